// writeHead(200, {Content-Length: 5, Content-Type}), then end('hello').
'use strict';
module.exports = {
  description: 'writeHead with a Content-Length header keeps that framing for end(data); no chunking.',
  handler(req, res) {
    res.writeHead(200, { 'Content-Length': 5, 'Content-Type': 'text/plain' });
    res.end('hello');
  },
};
