'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'The server closes after 3 of the 10 body bytes its Content-Length promised: res aborted, req close, res end (complete false), res close, and no error.',
  responses: ['!fin\nHTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'],
  run(http, port, log) {
    const req = http.get({ host: '127.0.0.1', port });
    watch(req, log);
  },
};
