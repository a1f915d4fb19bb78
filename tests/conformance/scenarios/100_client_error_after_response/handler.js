// handler: ok. Answers 200 'ok' with end(data).
'use strict';
module.exports = {
  description: 'A malformed request after a served one on the same connection: no 400 is written because bytes were already written; the socket is just closed.',
  handler(req, res) {
    res.end('ok');
  },
};
