// Sets A, B, C, removes B, sets D, then sets b again.
'use strict';
module.exports = {
  description: 'removeHeader drops a header and the remaining ones keep their order; re-adding it puts it last.',
  handler(req, res) {
    res.setHeader('A', 'a');
    res.setHeader('B', 'b');
    res.setHeader('C', 'c');
    res.removeHeader('b');
    res.setHeader('D', 'd');
    res.setHeader('b', 'again');
    res.end('ok');
  },
};
