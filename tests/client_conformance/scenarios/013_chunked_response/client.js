'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'A chunked response with trailers: its chunks as data events, then end, then the closes.',
  responses: ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n'],
  run(http, port, log, done) {
    watch(http.get({ host: '127.0.0.1', port }), log, done);
  },
};
