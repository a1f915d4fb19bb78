// Answers with the request URL.
'use strict';
module.exports = {
  description: 'Requests pipelined after one with Connection: close are not answered: the server closes after the close response.',
  handler(req, res) {
    res.end('url=' + req.url);
  },
};
