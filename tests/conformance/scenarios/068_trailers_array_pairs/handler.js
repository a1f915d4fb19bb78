// write('abc'), addTrailers([[X-A, 1], [X-A, 2]]), end().
'use strict';
module.exports = {
  description: 'addTrailers with an array of pairs writes each pair in order, duplicates included.',
  handler(req, res) {
    res.write('abc');
    res.addTrailers([['X-A', '1'], ['X-A', '2']]);
    res.end();
  },
};
