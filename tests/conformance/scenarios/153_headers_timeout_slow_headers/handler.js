// handler: ok. Answers 200 'ok' with end(data). Setup: headersTimeout = 200.
'use strict';
module.exports = {
  description: 'headersTimeout = 200 with more header bytes arriving 400 ms after the head began but the head still incomplete: the deadline check fails and, with no timeout listener, the socket is destroyed with nothing written.',
  handler(req, res) {
    res.end('ok');
  },
  pause: { at: 33, ms: 400 },
  idleMs: 600,
  // Node 18+ enforces headersTimeout with a timer, run every
  // connectionsCheckingInterval (30 s by default): 10 ms here, so that the current Node's
  // answer (response.v20.bin) shows the deadline itself. v12 ignores the option.
  options: { connectionsCheckingInterval: 10 },
  recordStrict: true,
  setup(server) {
    server.headersTimeout = 200;
  },
};
