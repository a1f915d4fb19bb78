'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'The response to HEAD has no body, whatever its Content-Length says.',
  responses: ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n'],
  run(http, port, log, done) {
    const req = http.request({ host: '127.0.0.1', port, method: 'HEAD' });
    watch(req, log, done);
    req.end();
  },
};
