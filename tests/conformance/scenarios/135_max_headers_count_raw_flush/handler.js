// Answers with the number of keys in req.headers and the number of fields in rawHeaders. Setup: maxHeadersCount = 3.
'use strict';
module.exports = {
  description: 'With maxHeadersCount = 3 and 40 header fields, req.headers keeps 3 fields but rawHeaders keeps 31: the parser hands header fields over in batches of 31 and checks the limit only between batches.',
  handler(req, res) {
    res.end('headers=' + Object.keys(req.headers).length + ' rawHeaders=' + req.rawHeaders.length / 2);
  },
  setup(server) {
    server.maxHeadersCount = 3;
  },
};
