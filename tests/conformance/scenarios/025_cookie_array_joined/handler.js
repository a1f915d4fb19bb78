// writeHead(200, {Cookie: [a=1, b=2], X-List: [x, y]}), end('ok').
'use strict';
module.exports = {
  description: 'An array value for a header named Cookie is joined with \'; \' into one line (other arrays repeat the line).',
  handler(req, res) {
    res.writeHead(200, { 'Cookie': ['a=1', 'b=2'], 'X-List': ['x', 'y'] });
    res.end('ok');
  },
};
