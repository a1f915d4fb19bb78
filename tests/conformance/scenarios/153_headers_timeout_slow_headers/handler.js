// handler: ok. Answers 200 'ok' with end(data). Setup: headersTimeout = 200.
'use strict';
module.exports = {
  description: 'headersTimeout = 200 with more header bytes arriving 400 ms after the head began but the head still incomplete: the deadline check fails and, with no timeout listener, the socket is destroyed with nothing written.',
  handler(req, res) {
    res.end('ok');
  },
  pause: { at: 33, ms: 400 },
  idleMs: 600,
  setup(server) {
    server.headersTimeout = 200;
  },
};
