'use strict';
const { watch } = require('../../watch.js');
module.exports = {
  description: 'A 102 and a 103 before the final response: one information event each, with its headers, and no continue.',
  responses: ['HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n' +
              'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  run(http, port, log) {
    const req = http.get({ host: '127.0.0.1', port });
    watch(req, log);
    req.on('information', (info) => log('information ' + info.statusCode + ' ' + JSON.stringify(info.statusMessage) +
                                        ' ' + info.httpVersion + ' ' + JSON.stringify(info.rawHeaders)));
  },
};
