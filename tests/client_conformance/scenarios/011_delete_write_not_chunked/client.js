'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'DELETE is never chunked: a write before end sends the body unframed.',
  responses: ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  run(http, port, log, done) {
    const req = http.request({ host: '127.0.0.1', port, method: 'DELETE' });
    watch(req, log, done);
    req.write('abc');
    req.end();
  },
};
