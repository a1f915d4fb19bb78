'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'Trailers of a chunked response are in res.trailers (names lower case, a repeated one joined) and res.rawTrailers (as sent) by end.',
  responses: ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-A, X-B\r\n\r\n3\r\nabc\r\n0\r\n' +
              'X-A: 1\r\nx-b: two\r\nX-A: 3\r\n\r\n'],
  run(http, port, log) {
    const req = http.get({ host: '127.0.0.1', port });
    watch(req, log);
    req.on('response', (res) => {
      log('trailers at response ' + JSON.stringify(res.trailers) + ' ' + JSON.stringify(res.rawTrailers));
      res.on('end', () => log('trailers at end ' + JSON.stringify(res.trailers) + ' ' + JSON.stringify(res.rawTrailers)));
    });
  },
};
