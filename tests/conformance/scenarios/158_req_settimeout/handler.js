// Never answers by itself; req.setTimeout(150) answers 408 'body timed out' with Connection: close.
'use strict';
module.exports = {
  description: 'req.setTimeout(150, cb) on a request whose body never completes: the callback runs and answers 408 with Connection: close.',
  idleMs: 600,
  handler(req, res) {
    req.setTimeout(150, () => {
      res.statusCode = 408;
      res.setHeader('Connection', 'close');
      res.end('body timed out');
    });
  },
};
