// clientError listener: ends the socket with its own 400 response whose body lists err.code, err.message, err.bytesParsed and err.rawPacket.
'use strict';
module.exports = {
  description: 'A clientError listener replaces the default answer; the error carries the HPE_* code, the message, bytesParsed and rawPacket.',
  handler(req, res) {
    res.end('ok');
  },
  setup(server) {
    server.on('clientError', (err, socket) => {
      const body = [
        'code=' + err.code,
        'message=' + err.message,
        'bytesParsed=' + err.bytesParsed,
        'rawPacket=' + JSON.stringify(err.rawPacket ? err.rawPacket.toString('latin1') : null),
      ].join('\n');
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: ' + body.length +
                 '\r\nConnection: close\r\n\r\n' + body);
    });
  },
};
