// Ends with JSON of http.STATUS_CODES and http.METHODS.
'use strict';

const http = require('http');

module.exports = {
  description: 'http.STATUS_CODES and http.METHODS of v12.22.9, as JSON, so reason phrases and accepted methods can be checked.',
  handler(req, res) {
    res.end(JSON.stringify({ STATUS_CODES: http.STATUS_CODES, METHODS: http.METHODS }));
  },
};
