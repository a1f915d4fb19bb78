// handler: ok. Answers 200 'ok' with end(data).
'use strict';
module.exports = {
  description: 'HTTP/1.0 without keep-alive: status line still HTTP/1.1, Connection: close, no Content-Length even for end(data), raw body, then close.',
  handler(req, res) {
    res.end('ok');
  },
};
