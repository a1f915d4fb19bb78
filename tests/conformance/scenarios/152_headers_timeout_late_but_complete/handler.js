// handler: ok. Answers 200 'ok' with end(data). Setup: headersTimeout = 200.
'use strict';
module.exports = {
  description: 'headersTimeout = 200 with the head completed by bytes arriving 400 ms after it began: v12 checks the deadline only after parsing newly arrived bytes and only while the head is still incomplete, so the request is served.',
  handler(req, res) {
    res.end('ok');
  },
  pause: { at: 33, ms: 400 },
  idleMs: 600,
  setup(server) {
    server.headersTimeout = 200;
  },
};
