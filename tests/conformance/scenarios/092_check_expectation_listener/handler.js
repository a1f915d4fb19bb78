// checkExpectation listener: answers 200 with 'expectation: ' + the Expect header. No request listener.
'use strict';
module.exports = {
  description: 'With a checkExpectation listener, other Expect values reach it instead of getting a 417.',
  setup(server) {
    server.on('checkExpectation', (req, res) => {
      res.end('expectation: ' + req.headers.expect);
    });
  },
};
