// Sets statusCode = 204, ends with 'ignored'.
'use strict';
module.exports = {
  description: '204 with end(data): no body and no framing header, kept alive.',
  handler(req, res) {
    res.statusCode = 204;
    res.end('ignored');
  },
};
