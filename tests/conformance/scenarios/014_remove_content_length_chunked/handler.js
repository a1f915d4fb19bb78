// Removes Content-Length, then ends with 'hello'.
'use strict';
module.exports = {
  description: 'removeHeader(\'Content-Length\') before end(data) makes the response chunked.',
  handler(req, res) {
    res.removeHeader('Content-Length');
    res.end('hello');
  },
};
