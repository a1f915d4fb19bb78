// handler: echo-body. Reads the body and answers 200 with it, prefixed by 'body='.
'use strict';
module.exports = {
  description: 'Expect: 100-continue with no checkContinue listener: \'HTTP/1.1 100 Continue\' is written, then the request is served.',
  handler(req, res) {
    const body = [];
    req.on('data', (chunk) => body.push(chunk));
    req.on('end', () => {
      res.end('body=' + Buffer.concat(body).toString('latin1'));
    });
  },
};
