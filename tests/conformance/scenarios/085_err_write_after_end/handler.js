// /first: end('first'), then write('late', cb) and write('late', 'latin1', cb) with an 'error' listener. /report: answers 50 ms later with what the listener and callbacks saw.
'use strict';

const seen = [];

module.exports = {
  description: 'write() after end() returns true and emits ERR_STREAM_WRITE_AFTER_END as an \'error\' event on the next tick, once per write; the callback gets the error only when an encoding argument is given; /report shows what was seen.',
  handler(req, res) {
    if (req.url === '/first') {
      res.on('error', (err) => seen.push('error event: ' + err.code + ': ' + err.message));
      res.end('first');
      const ret1 = res.write('late', (err) => seen.push('callback 1: ' + (err ? err.code : 'none')));
      const ret2 = res.write('late', 'latin1', (err) => seen.push('callback 2: ' + (err ? err.code : 'none')));
      seen.push('write returned ' + ret1 + ' ' + ret2);
    } else {
      setTimeout(() => res.end(seen.join('\n')), 50);
    }
  },
};
