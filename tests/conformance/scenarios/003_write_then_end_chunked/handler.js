// Writes 'ab', 'cde', then ends with 'f'.
'use strict';
module.exports = {
  description: 'write() before end() gives Transfer-Encoding: chunked, one chunk per write, and the end(data) chunk before 0.',
  handler(req, res) {
    res.write('ab');
    res.write('cde');
    res.end('f');
  },
};
