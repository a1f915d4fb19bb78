// Answers with the length of the X-Big header.
'use strict';
module.exports = {
  description: 'One byte more than header_size_boundary_8191 (URL plus names and values = 8192 bytes) gets 431.',
  handler(req, res) {
    res.end('x-big length=' + req.headers['x-big'].length);
  },
};
