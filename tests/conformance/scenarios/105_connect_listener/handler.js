// connect listener: writes 200 Connection Established, then the URL and the head bytes, and ends the socket.
'use strict';
module.exports = {
  description: 'A connect listener receives the request, the raw socket, and the bytes after the head; it writes raw bytes and ends.',
  handler(req, res) {
    res.end('ok');
  },
  setup(server) {
    server.on('connect', (req, socket, head) => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      socket.end('url=' + req.url + ' head=' + head.toString('latin1'));
    });
  },
};
