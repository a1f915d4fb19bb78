// writeHead(304, {ETag: "x"}), writes 'abc', ends.
'use strict';
module.exports = {
  description: '304 with write() then end(): no body, no framing, no chunk terminator, kept alive.',
  handler(req, res) {
    res.writeHead(304, { 'ETag': '"x"' });
    res.write('abc');
    res.end();
  },
};
