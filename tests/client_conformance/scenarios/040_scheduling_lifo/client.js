'use strict';
const { watch, pool } = require('../../watch.js');
module.exports = {
  description: "scheduling 'lifo' with two free sockets: the third request reuses the last freed (/1's socket is freed first).",
  responses: ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', '!delay=50\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  run(http, port, log) {
    const agent = new http.Agent({ keepAlive: true, scheduling: 'lifo' });
    const sockets = {};
    let ended = 0;
    for (const path of ['/1', '/2']) {
      const req = http.get({ host: '127.0.0.1', port, agent, path });
      watch(req, log, null, path);
      req.on('socket', (socket) => { sockets[path] = socket; });
      req.on('response', (res) => res.on('end', () => setImmediate(() => {
        if (++ended < 2) return;
        log('pool ' + pool(agent, port));
        const third = http.get({ host: '127.0.0.1', port, agent, path: '/3' });
        watch(third, log, null, '/3');
        third.on('socket', (socket) => {
          log('/3 socket: ' + (socket === sockets['/1'] ? "/1's" : socket === sockets['/2'] ? "/2's" : 'new'));
        });
        third.on('response', (r) => r.on('end', () => setImmediate(() => agent.destroy())));
      })));
    }
  },
};
