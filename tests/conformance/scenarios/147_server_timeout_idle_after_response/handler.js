// handler: ok. Answers 200 'ok' with end(data). Setup: server.timeout = 200, keepAliveTimeout = 0.
'use strict';
module.exports = {
  description: 'server.timeout = 200 with keepAliveTimeout = 0: after a response the idle connection is destroyed by server.timeout.',
  handler(req, res) {
    res.end('ok');
  },
  idleMs: 800,
  setup(server) {
    server.timeout = 200;
    server.keepAliveTimeout = 0;
  },
};
