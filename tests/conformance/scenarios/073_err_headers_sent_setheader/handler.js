// write('a'), catches setHeader('X-Late'), ends with the code and message.
'use strict';
module.exports = {
  description: 'setHeader after the head was sent throws ERR_HTTP_HEADERS_SENT with Node\'s message.',
  handler(req, res) {
    res.write('a');
    try {
      res.setHeader('X-Late', '1');
    } catch (err) {
      res.end(err.code + ': ' + err.message);
      return;
    }
    res.end('no error');
  },
};
