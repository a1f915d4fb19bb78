// handler: ok. Answers 200 'ok' with end(data). Setup: headersTimeout = 200.
'use strict';
module.exports = {
  description: 'headersTimeout = 200 with incomplete headers and no further bytes: v12 checks the deadline only when data arrives, so the connection is still open after 600 ms.',
  handler(req, res) {
    res.end('ok');
  },
  idleMs: 600,
  setup(server) {
    server.headersTimeout = 200;
  },
};
