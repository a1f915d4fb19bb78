// writeHead(103, {Link: </style.css>; rel=preload}), then end('ignored').
'use strict';
module.exports = {
  description: 'writeHead(103, {Link}) then end(): a 1xx head has no body and no framing header.',
  handler(req, res) {
    res.writeHead(103, { 'Link': '</style.css>; rel=preload' });
    res.end('ignored');
  },
};
