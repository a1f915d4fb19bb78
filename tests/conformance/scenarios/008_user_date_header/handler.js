// Sets X-A, a fixed Date in RFC 850 form (left alone by the Date normalisation), X-B, then ends.
'use strict';
module.exports = {
  description: 'A Date header set by the user replaces Node\'s Date and stays where the user put it.',
  handler(req, res) {
    res.setHeader('X-A', 'a');
    res.setHeader('Date', 'Sunday, 06-Nov-94 08:49:37 GMT');
    res.setHeader('X-B', 'b');
    res.end('ok');
  },
};
