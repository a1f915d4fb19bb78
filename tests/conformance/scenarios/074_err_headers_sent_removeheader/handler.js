// write('a'), catches removeHeader('Date'), ends with the code and message.
'use strict';
module.exports = {
  description: 'removeHeader after the head was sent throws ERR_HTTP_HEADERS_SENT (\'remove\').',
  handler(req, res) {
    res.write('a');
    try {
      res.removeHeader('Date');
    } catch (err) {
      res.end(err.code + ': ' + err.message);
      return;
    }
    res.end('no error');
  },
};
