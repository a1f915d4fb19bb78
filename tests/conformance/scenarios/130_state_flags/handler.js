// Records headersSent/writableEnded/finished before and after write('x'), then ends with them as JSON.
'use strict';
module.exports = {
  description: 'headersSent, writableEnded, finished and statusCode as the handler sees them before and after writing.',
  handler(req, res) {
    const flags = (r) => [r.headersSent, r.writableEnded, r.finished, r.statusCode].join(',');
    const before = flags(res);
    res.write('x');
    const afterWrite = flags(res);
    res.end(JSON.stringify({ before: before, afterWrite: afterWrite }));
  },
};
