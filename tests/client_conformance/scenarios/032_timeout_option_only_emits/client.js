'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'The timeout option only emits timeout: the late response still arrives and completes.',
  responses: ['!delay=300\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  run(http, port, log) {
    watch(http.get({ host: '127.0.0.1', port, timeout: 100 }), log);
  },
};
