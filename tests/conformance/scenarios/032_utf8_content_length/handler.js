// Ends with 'h\u00e9llo \u2603' (10 bytes in UTF-8).
'use strict';
module.exports = {
  description: 'Content-Length from end(string) counts UTF-8 bytes, not characters.',
  handler(req, res) {
    res.end('h\u00e9llo \u2603');
  },
};
