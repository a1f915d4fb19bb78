// Logs the events of a ClientRequest and of its response, for the client scenarios
// (tools/record_client_fixtures/harness.js). Node 12 compatible.
'use strict';

// Logs req's events as "req EVENT", its response's as "res EVENT" (with the status
// line, the headers as received, and each chunk of the body), and calls done() once
// the request has closed.
function watch(req, log, done) {
  for (const e of ['socket', 'finish', 'continue', 'abort', 'timeout', 'upgrade', 'connect']) {
    req.on(e, () => log('req ' + e));
  }
  req.on('information', (info) => log('req information ' + info.statusCode));
  req.on('error', (err) => log('req error ' + err.code));
  req.on('close', () => {
    log('req close');
    if (done) done();
  });
  req.on('response', (res) => {
    log('req response ' + res.statusCode + ' ' + JSON.stringify(res.statusMessage) + ' ' +
        res.httpVersion + ' ' + JSON.stringify(res.rawHeaders));
    res.on('data', (chunk) => log('res data ' + JSON.stringify(chunk.toString('latin1'))));
    res.on('end', () => log('res end complete=' + res.complete));
    res.on('close', () => log('res close'));
    res.on('aborted', () => log('res aborted'));
  });
}

module.exports = { watch };
