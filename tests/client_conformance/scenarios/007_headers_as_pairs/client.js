'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'Headers given as an array of pairs are sent as given, with no Host added.',
  responses: ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  run(http, port, log, done) {
    const req = http.request({ host: '127.0.0.1', port, headers: [['X-A', '1'], ['x-a', '2'], ['Accept', '*/*']] });
    watch(req, log, done);
    req.end();
  },
};
