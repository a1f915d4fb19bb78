// handler: ok. Answers 200 'ok' with end(data). Setup: server.setTimeout(200, listener that ends the socket with a 408).
'use strict';
module.exports = {
  description: 'server.setTimeout(200, cb) on an incomplete request: the listener runs and writes its own 408; without it Node would destroy.',
  handler(req, res) {
    res.end('ok');
  },
  idleMs: 800,
  setup(server) {
    server.setTimeout(200, (socket) => {
      socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
    });
  },
};
