// handler: ok. Answers 200 'ok' with end(data).
'use strict';
module.exports = {
  description: 'A request line with an invalid method gets the default clientError answer: 400 Bad Request, Connection: close, then the socket is closed.',
  handler(req, res) {
    res.end('ok');
  },
};
