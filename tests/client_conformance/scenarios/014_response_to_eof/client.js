'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'A response without framing runs to the end of the stream.',
  responses: ['HTTP/1.1 200 OK\r\nServer: x\r\n\r\nuntil the end'],
  run(http, port, log, done) {
    watch(http.get({ host: '127.0.0.1', port }), log, done);
  },
};
