// Sets X-First, X-Second, X-Third, then setHeader('x-FIRST', 'replaced').
'use strict';
module.exports = {
  description: 'setHeader replacing a header keeps its first position and takes the new spelling and value.',
  handler(req, res) {
    res.setHeader('X-First', '1');
    res.setHeader('X-Second', '2');
    res.setHeader('X-Third', '3');
    res.setHeader('x-FIRST', 'replaced');
    res.end('ok');
  },
};
