'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'abort() from the first data event of a body that has more to come: abort, res aborted, req close, then res end (complete false) and res close.',
  responses: ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'],
  run(http, port, log) {
    const req = http.get({ host: '127.0.0.1', port });
    watch(req, log);
    req.on('response', (res) => res.once('data', () => req.abort()));
  },
};
