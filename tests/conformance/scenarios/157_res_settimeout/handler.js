// Never answers by itself; res.setTimeout(150) answers 503 'timed out'.
'use strict';
module.exports = {
  description: 'res.setTimeout(150, cb) on a pending response: the callback runs and answers 503.',
  idleMs: 600,
  handler(req, res) {
    res.setTimeout(150, () => {
      res.statusCode = 503;
      res.end('timed out');
    });
  },
};
