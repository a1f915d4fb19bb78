// handler: ok. Answers 200 'ok' with end(data).
'use strict';
module.exports = {
  description: 'A non-numeric Content-Length is rejected with the default 400 answer.',
  handler(req, res) {
    res.end('ok');
  },
};
