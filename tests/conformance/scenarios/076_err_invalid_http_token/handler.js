// Catches setHeader('Bad Name', 'x'), answers with the code and message.
'use strict';
module.exports = {
  description: 'setHeader with an invalid name throws ERR_INVALID_HTTP_TOKEN with Node\'s message.',
  handler(req, res) {
    try {
      res.setHeader('Bad Name', 'x');
    } catch (err) {
      res.end(err.code + ': ' + err.message);
      return;
    }
    res.end('no error');
  },
};
