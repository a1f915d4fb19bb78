// Writes 'a', '', 'b', then end('').
'use strict';
module.exports = {
  description: 'write(\'\') in chunked mode sends no empty chunk that would end the body early.',
  handler(req, res) {
    res.write('a');
    res.write('');
    res.write('b');
    res.end('');
  },
};
