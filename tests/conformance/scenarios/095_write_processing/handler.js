// Calls writeProcessing(), then end('done').
'use strict';
module.exports = {
  description: 'writeProcessing() writes HTTP/1.1 102 Processing before the response.',
  handler(req, res) {
    res.writeProcessing();
    res.end('done');
  },
};
