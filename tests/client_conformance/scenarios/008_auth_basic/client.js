'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'auth becomes Authorization: Basic, after the user headers.',
  responses: ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  run(http, port, log, done) {
    watch(http.get({ host: '127.0.0.1', port, auth: 'user:pa ss', headers: { 'X-First': 'a' } }), log, done);
  },
};
