// write('abc'), addTrailers({X-A: 1, X-B: 2}), end().
'use strict';
module.exports = {
  description: 'addTrailers without a Trailer header still writes the trailers with a chunked body.',
  handler(req, res) {
    res.write('abc');
    res.addTrailers({ 'X-A': '1', 'X-B': '2' });
    res.end();
  },
};
