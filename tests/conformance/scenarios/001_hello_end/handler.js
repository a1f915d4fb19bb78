// Sets Content-Type and ends with 'Hello, World!'.
'use strict';
module.exports = {
  description: 'end(data) with a user header gives the user header, Date, Connection: keep-alive, Keep-Alive: timeout=5, Content-Length, in that order.',
  handler(req, res) {
    res.setHeader('Content-Type', 'text/plain');
    res.end('Hello, World!');
  },
};
