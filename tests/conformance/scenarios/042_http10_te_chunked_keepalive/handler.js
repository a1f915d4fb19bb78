// Writes 'ab', ends with 'cd'.
'use strict';
module.exports = {
  description: 'HTTP/1.0 with TE: chunked and Connection: keep-alive is kept alive with a chunked body.',
  handler(req, res) {
    res.write('ab');
    res.end('cd');
  },
};
