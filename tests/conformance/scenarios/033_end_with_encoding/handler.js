// Ends with '68656c6c6f' in hex encoding.
'use strict';
module.exports = {
  description: 'end(data, \'hex\') decodes the data and counts the decoded bytes for Content-Length.',
  handler(req, res) {
    res.end('68656c6c6f', 'hex');
  },
};
