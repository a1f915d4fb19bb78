// handler: ok. Answers 200 'ok' with end(data).
'use strict';
module.exports = {
  description: 'CONNECT with no connect listener: the socket is closed and nothing is written; the request listener is not called.',
  handler(req, res) {
    res.end('ok');
  },
};
