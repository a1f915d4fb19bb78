'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'The retry from the Node docs: the server reads the second request on the pooled socket and resets it without answering; req.reusedSocket and ECONNRESET say to retry, on a new connection.',
  responses: ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', '!reset', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  run(http, port, log) {
    const agent = new http.Agent({ keepAlive: true });
    function retriable(path) {
      const req = http.get({ host: '127.0.0.1', port, agent, path });
      watch(req, log, null, path);
      req.on('socket', () => log(path + ' reusedSocket=' + req.reusedSocket));
      req.on('error', (err) => {
        log(path + ' error ' + JSON.stringify(err.message));
        if (req.reusedSocket && err.code === 'ECONNRESET') retriable(path + '-retry');
      });
      req.on('response', (res) => res.on('end', () => setImmediate(() => {
        if (path === '/1') retriable('/2');
        else agent.destroy();
      })));
    }
    retriable('/1');
  },
};
