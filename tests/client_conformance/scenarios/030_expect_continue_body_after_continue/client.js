'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'Expect: 100-continue with the body written from the continue event: the head goes alone (chunked, no length is known), the body after the 100.',
  responses: ['!head\nHTTP/1.1 100 Continue\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  run(http, port, log) {
    const req = http.request({ host: '127.0.0.1', port, method: 'PUT', headers: { Expect: '100-continue' } });
    watch(req, log);
    req.on('continue', () => req.end('hello'));
  },
};
