// Never answers by itself; a res 'timeout' listener answers 504 'late'. Setup: server.timeout = 150.
'use strict';
module.exports = {
  description: 'server.timeout = 150 with a pending response and a response \'timeout\' listener: the listener answers 504 and the socket is not destroyed.',
  idleMs: 600,
  handler(req, res) {
    res.on('timeout', () => {
      res.statusCode = 504;
      res.end('late');
    });
  },
  setup(server) {
    server.timeout = 150;
  },
};
