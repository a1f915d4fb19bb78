// Sets sendDate = false and ends with 'ok'.
'use strict';
module.exports = {
  description: 'sendDate = false leaves the Date header out.',
  handler(req, res) {
    res.sendDate = false;
    res.end('ok');
  },
};
