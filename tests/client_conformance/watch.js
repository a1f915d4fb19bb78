// Logs the events of a ClientRequest and of its response, for the client scenarios
// (tools/record_client_fixtures/harness.js). Node 12 compatible.
'use strict';

// Logs req's events as "req EVENT", its response's as "res EVENT" (with the status
// line, the headers as received, and each chunk of the body), and calls done(), when
// given, once the request has closed. With a label, each line starts with it (for
// scenarios with several requests).
function watch(req, log, done, label) {
  if (label) {
    const unlabelled = log;
    log = (line) => unlabelled(label + ' ' + line);
  }
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

// An agent's pool on one line: per name, the sockets in use, the free sockets and the
// queued requests, with the peer's port written as PORT (events.txt must not hold a
// port, which changes from run to run). Names whose list is empty are shown too:
// v12 leaves some behind (an empty `sockets` entry for a name whose requests wait).
function pool(agent, port) {
  const count = (set) => '{' + Object.keys(set).map((name) =>
    name.split(':' + port + ':').join(':PORT:') + '=' + set[name].length).join(' ') + '}';
  return 'sockets ' + count(agent.sockets) + ' free ' + count(agent.freeSockets) +
      ' requests ' + count(agent.requests);
}

module.exports = { watch, pool };
