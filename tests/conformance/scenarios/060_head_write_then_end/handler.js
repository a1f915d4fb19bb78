// Writes 'abc', ends with 'de'.
'use strict';
module.exports = {
  description: 'HEAD with write() then end(): writes are dropped, no framing header, no chunk terminator.',
  handler(req, res) {
    res.write('abc');
    res.end('de');
  },
};
