// Removes Content-Length and Transfer-Encoding, writes 'abc', ends with 'de'.
'use strict';
module.exports = {
  description: 'With both Content-Length and Transfer-Encoding removed, no framing header is sent and the body goes out raw.',
  handler(req, res) {
    res.removeHeader('Content-Length');
    res.removeHeader('Transfer-Encoding');
    res.write('abc');
    res.end('de');
  },
};
