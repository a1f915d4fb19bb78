// Answers with the length of the X-Big header. Node flag: --max-http-header-size=16384.
'use strict';
module.exports = {
  description: '--max-http-header-size=16384 raises the limit: a 10000-byte header is accepted.',
  nodeArgs: ['--max-http-header-size=16384'],
  handler(req, res) {
    res.end('x-big length=' + req.headers['x-big'].length + ' maxHeaderSize=' + require('http').maxHeaderSize);
  },
};
