// Ends without data.
'use strict';
module.exports = {
  description: 'end() with no data gives Content-Length: 0.',
  handler(req, res) {
    res.end();
  },
};
