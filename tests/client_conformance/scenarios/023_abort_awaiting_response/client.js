'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'abort() once the request is sent and before the (late) response: abort, then error ECONNRESET (socket hang up: v12 reports it even after abort()), then close.',
  responses: ['!delay=300\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  run(http, port, log) {
    const req = http.get({ host: '127.0.0.1', port });
    watch(req, log);
    req.on('finish', () => req.abort());
  },
};
