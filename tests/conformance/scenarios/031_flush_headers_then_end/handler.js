// Calls flushHeaders(), then end('hello').
'use strict';
module.exports = {
  description: 'flushHeaders() renders the head before the length is known, so end(data) is chunked.',
  handler(req, res) {
    res.flushHeaders();
    res.end('hello');
  },
};
