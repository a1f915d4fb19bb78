// Answers with the request URL.
'use strict';
module.exports = {
  description: 'Pipelined GETs where the second says Connection: close: both are answered, the second with Connection: close, then the server closes.',
  handler(req, res) {
    res.end('url=' + req.url);
  },
};
