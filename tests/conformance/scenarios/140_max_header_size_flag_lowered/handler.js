// handler: ok. Answers 200 'ok' with end(data). Node flag: --max-http-header-size=1024.
'use strict';
module.exports = {
  description: '--max-http-header-size=1024 lowers the limit: a 2000-byte header gets 431.',
  nodeArgs: ['--max-http-header-size=1024'],
  handler(req, res) {
    res.end('ok');
  },
};
