// handler: ok. Answers 200 'ok' with end(data).
'use strict';
module.exports = {
  description: 'HTTP/1.0 with Connection: keep-alive but no known length (end(data) without a user Content-Length): Connection: close and a raw body.',
  handler(req, res) {
    res.end('ok');
  },
};
