// Catches writeHead(99) and writeHead(1000), then answers 200 with both codes and messages.
'use strict';
module.exports = {
  description: 'writeHead with status codes outside 100..999 throws ERR_HTTP_INVALID_STATUS_CODE with Node\'s message.',
  handler(req, res) {
    const report = [];
    for (const code of [99, 1000]) {
      try {
        res.writeHead(code);
        report.push('no error');
      } catch (err) {
        report.push(err.code + ': ' + err.message);
      }
    }
    res.writeHead(200);
    res.end(report.join('\n'));
  },
};
