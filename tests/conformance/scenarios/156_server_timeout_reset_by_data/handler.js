// handler: ok. Answers 200 'ok' with end(data). Setup: server.timeout = 300.
'use strict';
module.exports = {
  description: 'server.timeout = 300 with a 200 ms pause inside the head: arriving bytes reset the inactivity timer, so the request is served.',
  handler(req, res) {
    res.end('ok');
  },
  pause: { at: 33, ms: 200 },
  setup(server) {
    server.timeout = 300;
  },
};
