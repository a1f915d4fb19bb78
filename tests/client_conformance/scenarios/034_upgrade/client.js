'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'A 101 to an Upgrade request: upgrade with the response, the socket and the bytes after the head; then the request closes, and no response event.',
  responses: ['HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nhello'],
  run(http, port, log) {
    const req = http.request({ host: '127.0.0.1', port, headers: { Connection: 'Upgrade', Upgrade: 'websocket' } });
    watch(req, log);
    req.on('upgrade', (res, socket, head) => {
      log('upgrade ' + res.statusCode + ' ' + JSON.stringify(res.rawHeaders) + ' head ' + head.length + ' ' +
          JSON.stringify(head.toString('latin1')));
      socket.destroy();
    });
    req.end();
  },
};
