// handler: ok. Answers 200 'ok' with end(data).
'use strict';
module.exports = {
  description: 'HTTP/1.1 with an explicit Connection: keep-alive is answered as the default (keep-alive with Keep-Alive).',
  handler(req, res) {
    res.end('ok');
  },
};
