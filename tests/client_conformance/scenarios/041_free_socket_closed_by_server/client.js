'use strict';
const { watch, pool } = require('../../watch.js');
module.exports = {
  description: 'The server closes (FIN) a socket while it is free in the pool: it leaves agent.freeSockets, with no error and no event on the finished request.',
  responses: ['!fin=100\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  run(http, port, log) {
    const agent = new http.Agent({ keepAlive: true });
    const req = http.get({ host: '127.0.0.1', port, agent });
    watch(req, log);
    req.on('socket', (socket) => {
      socket.on('error', (err) => log('socket error ' + err.code));
      socket.on('end', () => log('socket end'));
      socket.on('close', () => log('socket close, pool ' + pool(agent, port)));
    });
    req.on('response', (res) => res.on('end', () => setImmediate(() => log('pool ' + pool(agent, port)))));
  },
};
