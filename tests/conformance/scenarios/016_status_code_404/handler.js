// Sets statusCode = 404, ends with 'nope'.
'use strict';
module.exports = {
  description: 'statusCode = 404 gives the status line HTTP/1.1 404 Not Found.',
  handler(req, res) {
    res.statusCode = 404;
    res.end('nope');
  },
};
