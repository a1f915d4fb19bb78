// Catches writeHead(200, {'X Bad': 'v'}), then writeHead(200) and ends with the code and message.
'use strict';
module.exports = {
  description: 'writeHead with an invalid header name throws ERR_INVALID_HTTP_TOKEN; a later writeHead still works.',
  handler(req, res) {
    let report = 'no error';
    try {
      res.writeHead(200, { 'X Bad': 'v' });
    } catch (err) {
      report = err.code + ': ' + err.message;
    }
    res.writeHead(200, { 'X-Good': 'v' });
    res.end(report);
  },
};
