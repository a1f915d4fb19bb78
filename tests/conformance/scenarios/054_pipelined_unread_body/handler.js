// Answers with the URL without reading the body.
'use strict';
module.exports = {
  description: 'A request body the handler never reads is drained, and the next pipelined request is still served.',
  handler(req, res) {
    res.end('url=' + req.url);
  },
};
