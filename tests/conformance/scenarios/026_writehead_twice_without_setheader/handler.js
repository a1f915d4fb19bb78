// writeHead(200, {X-First: 1}), writeHead(404, {X-Second: 2}), end('x').
'use strict';
module.exports = {
  description: 'Without setHeader, a second writeHead before any body replaces the first head entirely.',
  handler(req, res) {
    res.writeHead(200, { 'X-First': '1' });
    res.writeHead(404, { 'X-Second': '2' });
    res.end('x');
  },
};
