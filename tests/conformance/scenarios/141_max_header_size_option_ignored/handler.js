// handler: ok. Answers 200 'ok' with end(data). Options: {maxHeaderSize: 16384}.
'use strict';
module.exports = {
  description: 'createServer({maxHeaderSize: 16384}) is not an option in v12.22.9: a 10000-byte header still gets 431.',
  options: { maxHeaderSize: 16384 },
  handler(req, res) {
    res.end('ok');
  },
};
