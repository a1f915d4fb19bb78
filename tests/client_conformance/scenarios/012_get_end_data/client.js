'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'A GET ended with data gets Content-Length like any other method.',
  responses: ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  run(http, port, log, done) {
    const req = http.request({ host: '127.0.0.1', port });
    watch(req, log, done);
    req.end('q=1');
  },
};
