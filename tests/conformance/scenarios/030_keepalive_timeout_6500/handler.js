// handler: ok. Answers 200 'ok' with end(data). Setup: keepAliveTimeout = 6500.
'use strict';
module.exports = {
  description: 'Keep-Alive: timeout= is floor(keepAliveTimeout / 1000).',
  handler(req, res) {
    res.end('ok');
  },
  setup(server) {
    server.keepAliveTimeout = 6500;
  },
};
