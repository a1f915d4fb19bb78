// writeHead(201, 'Made It', {X-Id: 7}), then end('created').
'use strict';
module.exports = {
  description: 'writeHead(code, reason, headers) uses the given reason phrase and headers.',
  handler(req, res) {
    res.writeHead(201, 'Made It', { 'X-Id': 7 });
    res.end('created');
  },
};
