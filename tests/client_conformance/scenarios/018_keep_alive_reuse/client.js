'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'A keepAlive agent reuses its free socket for the next request: one connection, reusedSocket true the second time, and no close on either request while the socket is pooled.',
  responses: ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  run(http, port, log, done) {
    const agent = new http.Agent({ keepAlive: true });
    const first = http.get({ host: '127.0.0.1', port, agent, path: '/1' });
    watch(first, log);
    first.on('response', (res) => res.on('end', () => setTimeout(() => {
      const second = http.get({ host: '127.0.0.1', port, agent, path: '/2' });
      second.on('socket', () => log('second reusedSocket=' + second.reusedSocket));
      watch(second, log);
      second.on('response', (r) => r.on('end', () => setTimeout(() => { agent.destroy(); done(); }, 50)));
    }, 50)));
  },
};
