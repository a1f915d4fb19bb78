'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'A response with both Content-Length and Transfer-Encoding is an HPE error on the request.',
  responses: ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
  run(http, port, log, done) {
    watch(http.get({ host: '127.0.0.1', port }), log, done);
  },
};
