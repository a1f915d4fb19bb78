// Answers with the length of the X-Big header.
'use strict';
module.exports = {
  description: 'The header limit counts the URL plus header names and values: 1 + 4 + 9 + 5 + 8172 = 8191 bytes is accepted.',
  handler(req, res) {
    res.end('x-big length=' + req.headers['x-big'].length);
  },
};
