// handler: echo-body. Reads the body and answers 200 with it, prefixed by 'body='.
'use strict';
module.exports = {
  description: 'Three pipelined requests (GET, POST with body read, HTTP/1.0 GET) are answered in order; the HTTP/1.0 one closes the connection.',
  handler(req, res) {
    const body = [];
    req.on('data', (chunk) => body.push(chunk));
    req.on('end', () => {
      res.end('body=' + Buffer.concat(body).toString('latin1'));
    });
  },
};
