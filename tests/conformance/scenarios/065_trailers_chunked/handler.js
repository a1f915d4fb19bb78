// writeHead(200, {Content-Type, Trailer: X-Checksum}), write('abc'), addTrailers({X-Checksum: 123}), end().
'use strict';
module.exports = {
  description: 'addTrailers with a chunked body writes the trailers after 0\\r\\n, and the Trailer header in the head.',
  handler(req, res) {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Trailer': 'X-Checksum' });
    res.write('abc');
    res.addTrailers({ 'X-Checksum': '123' });
    res.end();
  },
};
