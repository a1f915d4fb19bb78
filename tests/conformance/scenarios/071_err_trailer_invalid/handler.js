// setHeader Content-Length 4 and Trailer, catches the throw of end('data'), removes Trailer, answers with the code and message.
'use strict';
module.exports = {
  description: 'A Trailer header on a response that cannot be chunked (user Content-Length) throws ERR_HTTP_TRAILER_INVALID when the head is rendered.',
  handler(req, res) {
    res.setHeader('Content-Length', 4);
    res.setHeader('Trailer', 'X-T');
    let report = 'no error';
    try {
      res.writeHead(200);
    } catch (err) {
      report = err.code + ': ' + err.message;
    }
    res.removeHeader('Trailer');
    res.removeHeader('Content-Length');
    res.writeHead(200);
    res.end(report);
  },
};
