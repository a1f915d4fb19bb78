// /first: calls req.resume(), logs finish, the end() callback, res close, req end, req close. /report: answers with the log.
'use strict';

const log = [];

module.exports = {
  description: 'After req.resume() and end(data, cb) on a GET: response finish, the end callback, request end, request close, response close; /report, sent 100 ms later, shows the order.',
  pause: { at: 40, ms: 100 },
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
      res.end(log.join('\n'));
    }
  },
};
