'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'The Host header leaves the port out when it is the default port.',
  responses: ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  run(http, port, log, done) {
    watch(http.get({ host: '127.0.0.1', port, defaultPort: port }), log, done);
  },
};
