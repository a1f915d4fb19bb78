'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'An agent with keepAlive sends Connection: keep-alive; the request does not close while its socket is pooled.',
  responses: ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  run(http, port, log, done) {
    const agent = new http.Agent({ keepAlive: true });
    const req = http.get({ host: '127.0.0.1', port, agent });
    watch(req, log);
    req.on('response', (res) => res.on('end', () => setTimeout(() => { agent.destroy(); done(); }, 50)));
  },
};
