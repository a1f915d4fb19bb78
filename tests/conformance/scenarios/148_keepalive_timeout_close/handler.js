// handler: ok. Answers 200 'ok' with end(data). Setup: keepAliveTimeout = 200.
'use strict';
module.exports = {
  description: 'keepAliveTimeout = 200: Keep-Alive: timeout=0 is sent, and the idle connection is closed about 200 ms after the response.',
  handler(req, res) {
    res.end('ok');
  },
  idleMs: 800,
  setup(server) {
    server.keepAliveTimeout = 200;
  },
};
