'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'http.get with the global agent: Host with the port, Connection: close (the global agent neither keeps sockets alive nor bounds them).',
  responses: ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  run(http, port, log, done) {
    watch(http.get({ host: '127.0.0.1', port, path: '/a?b=1' }), log, done);
  },
};
