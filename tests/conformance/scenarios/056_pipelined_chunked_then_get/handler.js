// handler: echo-body. Reads the body and answers 200 with it, prefixed by 'body='.
'use strict';
module.exports = {
  description: 'A chunked upload followed by a GET in the same packet: both are answered in order.',
  handler(req, res) {
    const body = [];
    req.on('data', (chunk) => body.push(chunk));
    req.on('end', () => {
      res.end('body=' + Buffer.concat(body).toString('latin1'));
    });
  },
};
