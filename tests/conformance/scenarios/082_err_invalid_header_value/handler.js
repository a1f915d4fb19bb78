// Catches setHeader('X-A', undefined), answers with the code and message.
'use strict';
module.exports = {
  description: 'setHeader with an undefined value throws ERR_HTTP_INVALID_HEADER_VALUE with Node\'s message.',
  handler(req, res) {
    try {
      res.setHeader('X-A', undefined);
    } catch (err) {
      res.end(err.code + ': ' + err.message);
      return;
    }
    res.end('no error');
  },
};
