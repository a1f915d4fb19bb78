// setHeader Content-Type text/html and X-Foo, then writeHead(200, {content-type: text/plain, X-New: 1}), end('ok').
'use strict';
module.exports = {
  description: 'writeHead headers go through setHeader when setHeader was used: same-name headers are replaced in place with the new spelling, new ones are appended.',
  handler(req, res) {
    res.setHeader('Content-Type', 'text/html');
    res.setHeader('X-Foo', 'bar');
    res.writeHead(200, { 'content-type': 'text/plain', 'X-New': '1' });
    res.end('ok');
  },
};
