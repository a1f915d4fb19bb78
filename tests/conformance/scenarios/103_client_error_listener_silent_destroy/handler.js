// clientError listener: socket.destroy().
'use strict';
module.exports = {
  description: 'A clientError listener that destroys the socket writes nothing: the default 400 is not sent.',
  handler(req, res) {
    res.end('ok');
  },
  setup(server) {
    server.on('clientError', (err, socket) => {
      socket.destroy();
    });
  },
};
