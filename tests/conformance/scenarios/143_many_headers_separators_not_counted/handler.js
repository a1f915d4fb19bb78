// Answers with the number of header fields received.
'use strict';
module.exports = {
  description: '300 headers in a 9335-byte head are accepted: separators and CRLFs do not count toward the limit, only URL, names and values (8114 bytes here).',
  handler(req, res) {
    res.end('fields=' + req.rawHeaders.length / 2);
  },
};
