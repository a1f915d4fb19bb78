// write('a'), catches addTrailers({'Bad Name': 'v'}), ends with the code and message.
'use strict';
module.exports = {
  description: 'addTrailers with an invalid trailer name throws ERR_INVALID_HTTP_TOKEN (\'Trailer name\').',
  handler(req, res) {
    res.write('a');
    try {
      res.addTrailers({ 'Bad Name': 'v' });
    } catch (err) {
      res.end(err.code + ': ' + err.message);
      return;
    }
    res.end('no error');
  },
};
