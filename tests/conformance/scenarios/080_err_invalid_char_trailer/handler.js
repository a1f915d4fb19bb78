// write('a'), catches addTrailers({X-T: 'a\r\nb'}), ends with the code and message.
'use strict';
module.exports = {
  description: 'addTrailers with a CR/LF in a value throws ERR_INVALID_CHAR (\'trailer content\').',
  handler(req, res) {
    res.write('a');
    try {
      res.addTrailers({ 'X-T': 'a\r\nb' });
    } catch (err) {
      res.end(err.code + ': ' + err.message);
      return;
    }
    res.end('no error');
  },
};
