// Sets Transfer-Encoding: chunked and X-After, writes 'abc', ends with 'de'.
'use strict';
module.exports = {
  description: 'A user Transfer-Encoding: chunked header is kept in place and Node frames the body as chunks.',
  handler(req, res) {
    res.setHeader('Transfer-Encoding', 'chunked');
    res.setHeader('X-After', '1');
    res.write('abc');
    res.end('de');
  },
};
