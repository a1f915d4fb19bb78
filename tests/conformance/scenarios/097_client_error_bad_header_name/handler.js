// handler: ok. Answers 200 'ok' with end(data).
'use strict';
module.exports = {
  description: 'A header line without a colon (HPE_INVALID_HEADER_TOKEN) is rejected with the default 400 answer.',
  handler(req, res) {
    res.end('ok');
  },
};
