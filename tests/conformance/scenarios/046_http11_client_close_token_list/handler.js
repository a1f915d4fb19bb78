// handler: ok. Answers 200 'ok' with end(data).
'use strict';
module.exports = {
  description: 'A close token inside a Connection list (Connection: foo, close) closes the connection.',
  handler(req, res) {
    res.end('ok');
  },
};
