// handler: ok. Answers 200 'ok' with end(data). Setup: keepAliveTimeout = 0, timeout = 0.
'use strict';
module.exports = {
  description: 'keepAliveTimeout = 0 with server.timeout = 0: the connection stays open after the response.',
  handler(req, res) {
    res.end('ok');
  },
  idleMs: 600,
  setup(server) {
    server.keepAliveTimeout = 0;
    server.timeout = 0;
  },
};
