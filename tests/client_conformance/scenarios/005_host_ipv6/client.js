'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'An IPv6 host is bracketed in the Host header.',
  listen: '::1',
  responses: ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  run(http, port, log, done) {
    watch(http.get({ host: '::1', port }), log, done);
  },
};
