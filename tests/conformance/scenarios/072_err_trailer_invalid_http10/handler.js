// setHeader Trailer, catches the throw of writeHead(200), removes Trailer, answers with the code.
'use strict';
module.exports = {
  description: 'A Trailer header on an HTTP/1.0 response (no chunking) throws ERR_HTTP_TRAILER_INVALID.',
  handler(req, res) {
    res.setHeader('Trailer', 'X-T');
    let report = 'no error';
    try {
      res.writeHead(200);
    } catch (err) {
      report = err.code;
    }
    res.removeHeader('Trailer');
    res.writeHead(200);
    res.end(report);
  },
};
