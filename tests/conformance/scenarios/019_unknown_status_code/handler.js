// writeHead(599), then end('x').
'use strict';
module.exports = {
  description: 'A status code with no STATUS_CODES entry gets the reason phrase \'unknown\'.',
  handler(req, res) {
    res.writeHead(599);
    res.end('x');
  },
};
