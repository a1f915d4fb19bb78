// setHeader X-Before, Set-Cookie [a=1, b=2, c=3], X-After, then end('ok').
'use strict';
module.exports = {
  description: 'setHeader(\'Set-Cookie\', [...]) writes one Set-Cookie line per element, in place.',
  handler(req, res) {
    res.setHeader('X-Before', '1');
    res.setHeader('Set-Cookie', ['a=1', 'b=2', 'c=3']);
    res.setHeader('X-After', '1');
    res.end('ok');
  },
};
