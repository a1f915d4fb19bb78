// write('abc'), addTrailers({X-A: 1}), end().
'use strict';
module.exports = {
  description: 'addTrailers on an HTTP/1.0 response (raw body) silently drops the trailers.',
  handler(req, res) {
    res.write('abc');
    res.addTrailers({ 'X-A': '1' });
    res.end();
  },
};
