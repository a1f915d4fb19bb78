'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'abort() from the socket event, while the socket is still connecting: nothing is sent; abort, then error ECONNRESET (socket hang up), then close.',
  responses: ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  run(http, port, log) {
    const req = http.get({ host: '127.0.0.1', port });
    watch(req, log);
    req.on('socket', () => req.abort());
  },
};
