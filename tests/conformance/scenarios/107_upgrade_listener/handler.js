// upgrade listener: writes a 101 head, then echoes the head bytes and ends.
'use strict';
module.exports = {
  description: 'An upgrade listener receives the raw socket and the bytes after the head; the request listener is not called.',
  handler(req, res) {
    res.end('ok');
  },
  setup(server) {
    server.on('upgrade', (req, socket, head) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
      socket.end('head=' + head.toString('latin1'));
    });
  },
};
