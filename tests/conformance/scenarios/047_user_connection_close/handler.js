// Sets Connection: close and X-After, ends with 'ok'.
'use strict';
module.exports = {
  description: 'A user Connection: close is written in the user\'s position, Node adds none, and the server closes after the response.',
  handler(req, res) {
    res.setHeader('Connection', 'close');
    res.setHeader('X-After', '1');
    res.end('ok');
  },
};
