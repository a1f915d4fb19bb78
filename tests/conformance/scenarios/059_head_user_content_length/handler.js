// Sets Content-Length: 5, ends with 'hello'.
'use strict';
module.exports = {
  description: 'HEAD with a user Content-Length: the header is sent, the body is not.',
  handler(req, res) {
    res.setHeader('Content-Length', 5);
    res.end('hello');
  },
};
