// Sets Transfer-Encoding: chunked, statusCode = 204, ends.
'use strict';
module.exports = {
  description: '204 with a user Transfer-Encoding: chunked: the header is sent but no zero chunk, and the connection is closed.',
  handler(req, res) {
    res.setHeader('Transfer-Encoding', 'chunked');
    res.statusCode = 204;
    res.end();
  },
};
