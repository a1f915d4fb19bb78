// Removes Connection, ends with 'ok'.
'use strict';
module.exports = {
  description: 'removeHeader(\'Connection\') sends no Connection header at all and closes after the response.',
  handler(req, res) {
    res.removeHeader('Connection');
    res.end('ok');
  },
};
