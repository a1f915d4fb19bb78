// Calls writeHead(200), then end('hello').
'use strict';
module.exports = {
  description: 'writeHead(200) then end(\'hello\') is chunked: the head is rendered before end() knows the length.',
  handler(req, res) {
    res.writeHead(200);
    res.end('hello');
  },
};
