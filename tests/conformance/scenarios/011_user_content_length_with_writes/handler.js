// Sets Content-Length: 5, writes 'hel', ends with 'lo'.
'use strict';
module.exports = {
  description: 'A user Content-Length disables chunking even when write() comes first; the bytes go out raw.',
  handler(req, res) {
    res.setHeader('Content-Length', '5');
    res.write('hel');
    res.end('lo');
  },
};
