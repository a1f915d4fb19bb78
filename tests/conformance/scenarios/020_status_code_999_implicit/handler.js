// Sets statusCode = 999, ends with 'x'.
'use strict';
module.exports = {
  description: 'statusCode = 999 (the top of the valid range) with implicit headers gives \'HTTP/1.1 999 unknown\'.',
  handler(req, res) {
    res.statusCode = 999;
    res.end('x');
  },
};
