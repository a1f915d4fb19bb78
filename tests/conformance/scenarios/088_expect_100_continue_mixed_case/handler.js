// handler: echo-body. Reads the body and answers 200 with it, prefixed by 'body='.
'use strict';
module.exports = {
  description: 'The Expect value is matched case-insensitively: 100-Continue gets the automatic 100 Continue.',
  handler(req, res) {
    const body = [];
    req.on('data', (chunk) => body.push(chunk));
    req.on('end', () => {
      res.end('body=' + Buffer.concat(body).toString('latin1'));
    });
  },
};
