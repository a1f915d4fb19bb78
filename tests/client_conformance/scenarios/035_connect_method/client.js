'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'CONNECT: a 200 is handed over as connect with the response, the socket and the bytes after the head; then the request closes.',
  responses: ['!keep\nHTTP/1.1 200 Connection Established\r\n\r\ntunnel'],
  run(http, port, log) {
    const req = http.request({ host: '127.0.0.1', port, method: 'CONNECT', path: 'example.com:443' });
    watch(req, log);
    req.on('connect', (res, socket, head) => {
      log('connect ' + res.statusCode + ' ' + JSON.stringify(res.statusMessage) + ' ' + JSON.stringify(res.rawHeaders) +
          ' head ' + head.length + ' ' + JSON.stringify(head.toString('latin1')));
      socket.destroy();
    });
    req.end();
  },
};
