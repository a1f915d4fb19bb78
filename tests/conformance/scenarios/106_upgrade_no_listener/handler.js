// Answers with the URL and the Upgrade header.
'use strict';
module.exports = {
  description: 'An Upgrade request with no upgrade listener is served as a normal request, and the next pipelined request is served too.',
  handler(req, res) {
    res.end('url=' + req.url + ' upgrade=' + req.headers.upgrade);
  },
};
