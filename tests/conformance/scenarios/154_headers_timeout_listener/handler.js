// handler: ok. Answers 200 'ok' with end(data). Setup: headersTimeout = 200 and a server 'timeout' listener that ends the socket with a 408.
'use strict';
module.exports = {
  description: 'headersTimeout = 200 exceeded (more header bytes 400 ms later, head still incomplete) with a server \'timeout\' listener: the listener gets the socket and writes its own 408.',
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
    server.on('timeout', (socket) => {
      socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
    });
  },
};
