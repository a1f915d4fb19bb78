// Sets Transfer-Encoding: gzip, writes 'abc', ends with 'de'.
'use strict';
module.exports = {
  description: 'A user Transfer-Encoding that is not chunked: Node adds no framing and sends the body raw.',
  handler(req, res) {
    res.setHeader('Transfer-Encoding', 'gzip');
    res.write('abc');
    res.end('de');
  },
};
