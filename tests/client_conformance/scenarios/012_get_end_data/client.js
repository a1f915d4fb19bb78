'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'A GET ended with data gets no Content-Length: its body follows the head unframed (GET is never chunked, and v12 gives no length to a method that is not).',
  responses: ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  run(http, port, log, done) {
    const req = http.request({ host: '127.0.0.1', port });
    watch(req, log, done);
    req.end('q=1');
  },
};
