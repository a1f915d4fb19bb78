// handler: ok. Answers 200 'ok' with end(data). Setup: headersTimeout = 200.
'use strict';
module.exports = {
  description: 'headersTimeout = 200 with the head completed by bytes arriving 400 ms after it began: v12 checks the deadline only after parsing newly arrived bytes and only while the head is still incomplete, so the request is served.',
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
