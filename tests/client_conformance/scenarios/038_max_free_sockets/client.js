'use strict';
const { watch, pool } = require('../../watch.js');
module.exports = {
  description: 'maxFreeSockets 1 and two keep-alive sockets finishing one after the other: the first freed is pooled, the second is destroyed.',
  responses: ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', '!delay=50\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  run(http, port, log) {
    const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 1 });
    let ended = 0;
    for (const path of ['/1', '/2']) {
      const req = http.get({ host: '127.0.0.1', port, agent, path });
      watch(req, log, null, path);
      req.on('socket', (socket) => socket.on('close', () => log(path + ' socket close, pool ' + pool(agent, port))));
      req.on('response', (res) => res.on('end', () => setImmediate(() => {
        log(path + ' freed, pool ' + pool(agent, port));
        if (++ended === 2) setTimeout(() => agent.destroy(), 50);
      })));
    }
  },
};
