// Catches writeHead(200, 'bad\r\nphrase'), then answers writeHead(200, 'OK') with the code and message.
'use strict';
module.exports = {
  description: 'writeHead with a CR/LF in the reason phrase throws ERR_INVALID_CHAR (\'statusMessage\').',
  handler(req, res) {
    let report = 'no error';
    try {
      res.writeHead(200, 'bad\r\nphrase');
    } catch (err) {
      report = err.code + ': ' + err.message;
    }
    res.writeHead(200, 'OK');
    res.end(report);
  },
};
