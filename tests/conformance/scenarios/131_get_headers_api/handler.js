// Sets X-A, Set-Cookie [a, b] and X-Num 5, then ends with JSON of getHeader/getHeaders/getHeaderNames/hasHeader.
'use strict';
module.exports = {
  description: 'getHeader, getHeaders, getHeaderNames and hasHeader see setHeader\'s values (lower-case names, arrays and numbers kept).',
  handler(req, res) {
    res.setHeader('X-A', 'one');
    res.setHeader('Set-Cookie', ['a=1', 'b=2']);
    res.setHeader('X-Num', 5);
    res.end(JSON.stringify({
      get: res.getHeader('x-a'),
      getMissing: res.getHeader('x-missing') === undefined,
      headers: res.getHeaders(),
      names: res.getHeaderNames(),
      has: [res.hasHeader('X-A'), res.hasHeader('x-missing')],
    }));
  },
};
