// Ends with 'hello'.
'use strict';
module.exports = {
  description: 'HEAD with end(data): no body and no framing header (no Content-Length, no Transfer-Encoding), kept alive.',
  handler(req, res) {
    res.end('hello');
  },
};
