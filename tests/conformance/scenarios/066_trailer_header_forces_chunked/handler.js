// setHeader Trailer: X-T, addTrailers({X-T: v}), end('data').
'use strict';
module.exports = {
  description: 'A Trailer header makes end(data) chunked instead of Content-Length, and the trailers follow the zero chunk.',
  handler(req, res) {
    res.setHeader('Trailer', 'X-T');
    res.addTrailers({ 'X-T': 'v' });
    res.end('data');
  },
};
