// writeHead(200, {X-Multi: [a, b], Set-Cookie: [a=1, b=2; Path=/]}), end('ok').
'use strict';
module.exports = {
  description: 'An array header value in writeHead becomes repeated header lines; Set-Cookie lists too.',
  handler(req, res) {
    res.writeHead(200, { 'X-Multi': ['a', 'b'], 'Set-Cookie': ['a=1', 'b=2; Path=/'] });
    res.end('ok');
  },
};
