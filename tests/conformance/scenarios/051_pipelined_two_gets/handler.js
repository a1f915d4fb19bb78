// Answers with the request URL.
'use strict';
module.exports = {
  description: 'Two pipelined GETs in one packet are answered in order on the same connection, which stays open.',
  handler(req, res) {
    res.end('url=' + req.url);
  },
};
