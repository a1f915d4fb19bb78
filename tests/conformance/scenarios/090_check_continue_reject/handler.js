// checkContinue listener: answers 401 'denied' without writeContinue(). No request listener.
'use strict';
module.exports = {
  description: 'A checkContinue listener answering with a final status without writeContinue() gets Connection: close and the connection is closed.',
  setup(server) {
    server.on('checkContinue', (req, res) => {
      res.statusCode = 401;
      res.end('denied');
    });
  },
};
