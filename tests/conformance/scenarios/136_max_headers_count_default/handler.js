// Answers with the number of keys in req.headers and the number of fields in rawHeaders.
'use strict';
module.exports = {
  description: 'With the default maxHeadersCount (null: 2000 name/value entries), 1100 distinct header fields give 1000 keys in req.headers and 1023 fields in rawHeaders (33 batches of 31).',
  handler(req, res) {
    res.end('headers=' + Object.keys(req.headers).length + ' rawHeaders=' + req.rawHeaders.length / 2);
  },
};
