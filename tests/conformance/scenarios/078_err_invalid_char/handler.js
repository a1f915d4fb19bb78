// Catches setHeader('X-A', 'a\nb'), answers with the code and message.
'use strict';
module.exports = {
  description: 'setHeader with a newline in the value throws ERR_INVALID_CHAR with Node\'s message.',
  handler(req, res) {
    try {
      res.setHeader('X-A', 'a\nb');
    } catch (err) {
      res.end(err.code + ': ' + err.message);
      return;
    }
    res.end('no error');
  },
};
