// Answers /slow after 50 ms and /fast at once, each with its URL.
'use strict';
module.exports = {
  description: 'A later pipelined response that is ready first still goes out after the earlier one.',
  handler(req, res) {
    if (req.url === '/slow') {
      setTimeout(() => res.end('url=' + req.url), 50);
    } else {
      res.end('url=' + req.url);
    }
  },
};
