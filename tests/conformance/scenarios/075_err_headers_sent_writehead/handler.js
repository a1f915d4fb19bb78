// setHeader X-A, write('a'), catches writeHead(200), ends with the code and message.
'use strict';
module.exports = {
  description: 'writeHead after setHeader and write() throws ERR_HTTP_HEADERS_SENT (\'render\').',
  handler(req, res) {
    res.setHeader('X-A', '1');
    res.write('a');
    try {
      res.writeHead(200);
    } catch (err) {
      res.end(err.code + ': ' + err.message);
      return;
    }
    res.end('no error');
  },
};
