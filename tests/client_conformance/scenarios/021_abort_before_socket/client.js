'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'abort() right after http.get, before the socket is assigned: abort is emitted, and no close; the connection the agent had begun is dropped.',
  responses: ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  run(http, port, log) {
    const req = http.get({ host: '127.0.0.1', port });
    watch(req, log);
    req.abort();
    log('aborted=' + req.aborted);
  },
};
