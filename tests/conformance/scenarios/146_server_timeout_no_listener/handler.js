// handler: ok. Answers 200 'ok' with end(data). Setup: server.timeout = 200.
'use strict';
module.exports = {
  description: 'server.timeout = 200 with no timeout listener anywhere: the socket is destroyed silently after 200 ms of inactivity.',
  handler(req, res) {
    res.end('ok');
  },
  idleMs: 800,
  setup(server) {
    server.timeout = 200;
  },
};
