// Sets Connection: keep-alive, ends with 'ok'.
'use strict';
module.exports = {
  description: 'A user Connection: keep-alive wins over the client\'s Connection: close: the connection stays open and no Keep-Alive line is added.',
  handler(req, res) {
    res.setHeader('Connection', 'keep-alive');
    res.end('ok');
  },
};
