'use strict';
const net = require('net');
const { watch } = require('../../watch.js');
module.exports = {
  description: 'A port with no listener: socket still comes first, then error ECONNREFUSED (syscall connect), then close.',
  responses: [],
  run(http, port, log) {
    // A port that was just free: bound by a probe, then closed.
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const closed = probe.address().port;
      probe.close(() => {
        const req = http.get({ host: '127.0.0.1', port: closed });
        watch(req, log);
        req.on('error', (err) => log('error syscall=' + err.syscall + ' address=' + err.address +
                                     ' port=' + (err.port === closed ? 'PORT' : err.port)));
      });
    });
  },
};
