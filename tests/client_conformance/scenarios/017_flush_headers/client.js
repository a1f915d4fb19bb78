'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'flushHeaders sends the head at once; the body follows chunked.',
  responses: ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  run(http, port, log, done) {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST' });
    watch(req, log, done);
    req.flushHeaders();
    setTimeout(() => req.end('late'), 100);
  },
};
