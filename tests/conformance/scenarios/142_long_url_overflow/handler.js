// handler: ok. Answers 200 'ok' with end(data).
'use strict';
module.exports = {
  description: 'The request line counts toward the header limit: a 9000-byte URL gets 431.',
  handler(req, res) {
    res.end('ok');
  },
};
