'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'A POST that writes before end is chunked.',
  responses: ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  run(http, port, log, done) {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST' });
    watch(req, log, done);
    req.write('hel');
    req.end('lo');
  },
};
