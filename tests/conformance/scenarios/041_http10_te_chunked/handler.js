// Writes 'ab', ends with 'cd'.
'use strict';
module.exports = {
  description: 'HTTP/1.0 with TE: chunked but no keep-alive: chunked framing with Connection: close.',
  handler(req, res) {
    res.write('ab');
    res.end('cd');
  },
};
