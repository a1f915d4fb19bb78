'use strict';
const { watch, pool } = require('../../watch.js');
module.exports = {
  description: 'maxTotalSockets 1 over two agent names (one address; family: 4 makes the second name): the second request waits until the first socket is freed; a free socket is not counted, so a second connection opens and two sockets are open at once.',
  responses: ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  run(http, port, log) {
    const agent = new http.Agent({ keepAlive: true, maxTotalSockets: 1 });
    const first = http.get({ host: '127.0.0.1', port, agent, path: '/1' });
    const second = http.get({ host: '127.0.0.1', port, agent, path: '/2', family: 4 });
    log('pool ' + pool(agent, port) + ' total ' + agent.totalSocketCount);
    watch(first, log, null, '/1');
    watch(second, log, null, '/2');
    second.on('socket', () => {
      log('/2 socket: reusedSocket=' + second.reusedSocket + ' pool ' + pool(agent, port) +
          ' total ' + agent.totalSocketCount);
    });
    second.on('response', (res) => res.on('end', () => setImmediate(() => {
      log('pool ' + pool(agent, port) + ' total ' + agent.totalSocketCount);
      agent.destroy();
    })));
  },
};
