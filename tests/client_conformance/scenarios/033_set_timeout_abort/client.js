'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'req.setTimeout(ms, cb) whose callback aborts: timeout, the callback, abort, then error ECONNRESET (socket hang up), then close.',
  responses: ['!delay=300\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  run(http, port, log) {
    const req = http.get({ host: '127.0.0.1', port });
    watch(req, log);
    req.setTimeout(100, () => {
      log('timeout callback');
      req.abort();
    });
  },
};
