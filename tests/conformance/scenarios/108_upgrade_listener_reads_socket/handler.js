// upgrade listener: writes a 101 head, echoes head, then echoes each socket 'data' chunk, and ends the socket 300 ms after the upgrade.
'use strict';
module.exports = {
  description: 'After an upgrade the socket leaves HTTP: bytes that came with the head arrive as the head argument, bytes sent 100 ms later through socket \'data\'.',
  handler(req, res) {
    res.end('ok');
  },
  pause: { at: 78, ms: 100 },
  idleMs: 600,
  setup(server) {
    server.on('upgrade', (req, socket, head) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
      socket.write('head=[' + head.toString('latin1') + ']');
      socket.on('data', (chunk) => socket.write('data=[' + chunk.toString('latin1') + ']'));
      setTimeout(() => socket.end(), 300);
    });
  },
};
