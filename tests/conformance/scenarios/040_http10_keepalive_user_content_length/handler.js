// Sets Content-Length: 2, ends with 'ok'.
'use strict';
module.exports = {
  description: 'HTTP/1.0 with Connection: keep-alive and a user Content-Length stays open with Connection: keep-alive and Keep-Alive.',
  handler(req, res) {
    res.setHeader('Content-Length', 2);
    res.end('ok');
  },
};
