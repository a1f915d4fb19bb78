// handler: ok. Answers 200 'ok' with end(data).
'use strict';
module.exports = {
  description: 'Headers over 8 KiB get the default 431 Request Header Fields Too Large with Connection: close.',
  handler(req, res) {
    res.end('ok');
  },
};
