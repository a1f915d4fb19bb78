// setHeader X-Num 42, x-lower 'v', X-MiXeD 'w', then end('ok').
'use strict';
module.exports = {
  description: 'Number values are written with String(); header names keep the user\'s spelling.',
  handler(req, res) {
    res.setHeader('X-Num', 42);
    res.setHeader('x-lower', 'v');
    res.setHeader('X-MiXeD', 'w');
    res.end('ok');
  },
};
