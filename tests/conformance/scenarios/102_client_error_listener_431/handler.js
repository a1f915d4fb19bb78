// clientError listener: ends the socket with its own 431 response whose body is err.code and err.message.
'use strict';
module.exports = {
  description: 'A clientError listener sees HPE_HEADER_OVERFLOW for headers over 8 KiB and writes its own answer.',
  handler(req, res) {
    res.end('ok');
  },
  setup(server) {
    server.on('clientError', (err, socket) => {
      const body = err.code + ': ' + err.message;
      socket.end('HTTP/1.1 431 Too Big\r\nContent-Length: ' + body.length +
                 '\r\nConnection: close\r\n\r\n' + body);
    });
  },
};
