// checkContinue listener: writeContinue(), reads the body, answers 'continued: ' + body. No request listener.
'use strict';
module.exports = {
  description: 'With a checkContinue listener, nothing is written automatically; the listener\'s writeContinue() writes 100 Continue.',
  setup(server) {
    server.on('checkContinue', (req, res) => {
      res.writeContinue();
      const body = [];
      req.on('data', (chunk) => body.push(chunk));
      req.on('end', () => res.end('continued: ' + Buffer.concat(body).toString('latin1')));
    });
  },
};
