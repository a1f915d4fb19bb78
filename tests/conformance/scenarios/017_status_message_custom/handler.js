// Sets statusCode = 202 and statusMessage = 'Totally Fine', ends with 'ok'.
'use strict';
module.exports = {
  description: 'statusMessage set before the head is rendered becomes the reason phrase.',
  handler(req, res) {
    res.statusCode = 202;
    res.statusMessage = 'Totally Fine';
    res.end('ok');
  },
};
