// Answers /slow after 400 ms and others at once, each with the URL. Setup: keepAliveTimeout = 200.
'use strict';
module.exports = {
  description: 'keepAliveTimeout arms after the last queued response: a slow second pipelined response is still sent, then the connection closes.',
  idleMs: 900,
  handler(req, res) {
    if (req.url === '/slow') {
      setTimeout(() => res.end('url=' + req.url), 400);
    } else {
      res.end('url=' + req.url);
    }
  },
  setup(server) {
    server.keepAliveTimeout = 200;
  },
};
