// handler: ok. Answers 200 'ok' with end(data).
'use strict';
module.exports = {
  description: 'An Expect value other than 100-continue with no checkExpectation listener gets 417 Expectation Failed and the request listener is not called.',
  handler(req, res) {
    res.end('ok');
  },
};
