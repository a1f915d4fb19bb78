// handler: ok. Answers 200 'ok' with end(data). Setup: headersTimeout = 400.
'use strict';
module.exports = {
  description: 'headersTimeout = 400 with the head completed after 100 ms: the request is served.',
  handler(req, res) {
    res.end('ok');
  },
  pause: { at: 33, ms: 100 },
  setup(server) {
    server.headersTimeout = 400;
  },
};
