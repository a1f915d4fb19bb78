// handler: ok. Answers 200 'ok' with end(data). Setup: headersTimeout = 200.
'use strict';
module.exports = {
  description: 'headersTimeout = 200 with incomplete headers and no further bytes: v12 checks the deadline only when data arrives, so the connection is still open after 600 ms.',
  handler(req, res) {
    res.end('ok');
  },
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
