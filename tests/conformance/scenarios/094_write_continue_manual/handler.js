// Calls writeContinue(), then end('ok').
'use strict';
module.exports = {
  description: 'writeContinue() without an Expect header still writes HTTP/1.1 100 Continue before the response.',
  handler(req, res) {
    res.writeContinue();
    res.end('ok');
  },
};
