// Calls removeHeader('Date') and ends with 'ok'.
'use strict';
module.exports = {
  description: 'removeHeader(\'Date\') before the head is rendered leaves the Date header out.',
  handler(req, res) {
    res.removeHeader('Date');
    res.end('ok');
  },
};
