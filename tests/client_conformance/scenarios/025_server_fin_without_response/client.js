'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'The server reads the request and closes (FIN) without answering: error ECONNRESET, socket hang up, then close.',
  responses: ['!fin'],
  run(http, port, log) {
    const req = http.get({ host: '127.0.0.1', port });
    watch(req, log);
    req.on('error', (err) => log('error message ' + JSON.stringify(err.message)));
  },
};
