'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'A response with Connection: close is never pooled: the next request opens a new connection.',
  responses: ['HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  run(http, port, log, done) {
    const agent = new http.Agent({ keepAlive: true });
    const first = http.get({ host: '127.0.0.1', port, agent, path: '/1' });
    watch(first, log, () => {
      setTimeout(() => {
        const second = http.get({ host: '127.0.0.1', port, agent, path: '/2' });
        second.on('socket', () => log('second reusedSocket=' + second.reusedSocket));
        watch(second, log, () => { agent.destroy(); done(); });
      }, 50);
    });
  },
};
