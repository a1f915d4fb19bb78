// writeHead(200, [[X-A, 1], [X-B, 2], [X-A, 3]]), end('ok').
'use strict';
module.exports = {
  description: 'writeHead with an array of [name, value] pairs writes them in order, duplicates included.',
  handler(req, res) {
    res.writeHead(200, [['X-A', '1'], ['X-B', '2'], ['X-A', '3']]);
    res.end('ok');
  },
};
