// Writes 'ab', ends with 'cd'.
'use strict';
module.exports = {
  description: 'HTTP/1.0 with write() then end(): the body is raw (no chunk framing) and the connection closes.',
  handler(req, res) {
    res.write('ab');
    res.end('cd');
  },
};
