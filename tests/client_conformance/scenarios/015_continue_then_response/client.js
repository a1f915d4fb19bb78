'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'An Expect: 100-continue request sends its head at once; 100 Continue gives continue and information, then the response.',
  responses: ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  run(http, port, log, done) {
    const req = http.request({ host: '127.0.0.1', port, method: 'PUT', headers: { Expect: '100-continue', 'Content-Length': 0 } });
    watch(req, log, done);
    req.on('continue', () => req.end());
  },
};
