// handler: ok. Answers 200 'ok' with end(data).
'use strict';
module.exports = {
  description: 'HTTP/1.1 with Connection: close gets Connection: close and the server closes.',
  handler(req, res) {
    res.end('ok');
  },
};
