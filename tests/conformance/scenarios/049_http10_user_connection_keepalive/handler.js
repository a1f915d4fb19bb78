// Sets Connection: keep-alive, ends with 'ok'.
'use strict';
module.exports = {
  description: 'HTTP/1.0 with a user Connection: keep-alive but no length: the header is sent as set, the body is raw, and the connection closes.',
  handler(req, res) {
    res.setHeader('Connection', 'keep-alive');
    res.end('ok');
  },
};
