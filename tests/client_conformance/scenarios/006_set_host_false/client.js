'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'setHost: false sends no Host header.',
  responses: ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  run(http, port, log, done) {
    watch(http.get({ host: '127.0.0.1', port, setHost: false }), log, done);
  },
};
