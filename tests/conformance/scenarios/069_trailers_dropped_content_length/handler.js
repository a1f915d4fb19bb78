// addTrailers({X-A: 1}), end('data').
'use strict';
module.exports = {
  description: 'addTrailers on a Content-Length response (end(data), no Trailer header) silently drops the trailers.',
  handler(req, res) {
    res.addTrailers({ 'X-A': '1' });
    res.end('data');
  },
};
