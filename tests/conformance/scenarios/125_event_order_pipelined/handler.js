// /first: logs finish, the end() callback, res close, req end, req close. /report: answers 50 ms later with the log.
'use strict';

const log = [];

module.exports = {
  description: 'Pipelined behind another request, after end(data, cb) the request \'close\' comes first (the parser already holds the next request), then finish, the callback, request end, response close; /report shows the order.',
  handler(req, res) {
    if (req.url === '/first') {
      res.on('finish', () => log.push('res finish'));
      res.on('close', () => log.push('res close'));
      req.on('end', () => log.push('req end'));
      req.on('close', () => log.push('req close'));
      req.resume();
      res.end('first', () => log.push('end callback'));
      log.push('end returned');
    } else {
      setTimeout(() => res.end(log.join('\n')), 50);
    }
  },
};
