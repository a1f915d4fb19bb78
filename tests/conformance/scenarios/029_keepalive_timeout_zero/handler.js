// handler: ok. Answers 200 'ok' with end(data). Setup: keepAliveTimeout = 0.
'use strict';
module.exports = {
  description: 'keepAliveTimeout = 0 sends Connection: keep-alive with no Keep-Alive header.',
  handler(req, res) {
    res.end('ok');
  },
  setup(server) {
    server.keepAliveTimeout = 0;
  },
};
