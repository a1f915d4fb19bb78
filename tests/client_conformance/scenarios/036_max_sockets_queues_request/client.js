'use strict';
const { watch, pool } = require('../../watch.js');
module.exports = {
  description: 'maxSockets 1: the second request waits in agent.requests, then gets the first one\'s socket as soon as it is freed, even without keepAlive (and reusedSocket stays false).',
  responses: ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  run(http, port, log) {
    const agent = new http.Agent({ maxSockets: 1 });
    const first = http.get({ host: '127.0.0.1', port, agent, path: '/1' });
    const second = http.get({ host: '127.0.0.1', port, agent, path: '/2' });
    log('pool ' + pool(agent, port));
    watch(first, log, null, '/1');
    watch(second, log, null, '/2');
    second.on('socket', (socket) => {
      log('/2 socket: reusedSocket=' + second.reusedSocket + ' same as /1=' + (socket === first.socket) +
          ' pool ' + pool(agent, port));
    });
    second.on('response', (res) => res.on('end', () => setImmediate(() => {
      log('pool ' + pool(agent, port));
      agent.destroy();
    })));
  },
};
