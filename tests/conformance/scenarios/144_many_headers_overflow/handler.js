// Answers with the number of header fields received.
'use strict';
module.exports = {
  description: '303 small headers (URL, names and values 8195 bytes) get 431.',
  handler(req, res) {
    res.end('fields=' + req.rawHeaders.length / 2);
  },
};
