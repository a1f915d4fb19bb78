// Runs one client scenario under the Node runtime executing this file (the reference
// runtime, Node v12.22.9, when record.py runs it) and records what its http client
// did: the bytes it sent on each connection, and the order of the events the
// scenario logged. Stays within the JavaScript Node 12 accepts (no `?.`, no `??`).
//
//   node harness.js SCENARIO_DIR OUT_DIR
//
// SCENARIO_DIR/client.js exports:
//   description  one sentence: what the scenario shows;
//   listen       the peer's address, '127.0.0.1' (default) or '::1';
//   responses    what the scripted peer answers, in order, one string per request it
//                receives (counted over all connections); a request is complete once
//                its head, and the body its Content-Length or chunked framing says,
//                have arrived; a string that ends with no Content-Length is sent and
//                the connection ended (FIN);
//   run(http, port, log, done)
//                makes the requests; log(line) records an event; done() ends the run
//                (the harness also ends 2 s after the last byte, whatever happened).
//
// Written to OUT_DIR: sent.N.bin (the bytes received on connection N, from 0, in
// accept order; the peer's port, where the client wrote it, is replaced by PORT) and
// events.txt (the logged lines, in order, then "connections N").
'use strict';

const fs = require('fs');
const http = require('http');
const net = require('net');
const path = require('path');

const QUIET_MS = 2000;

function fail(message) {
  process.stderr.write('client harness: ' + message + '\n');
  process.exit(3);
}

// The length of the first complete request in `buf`, or -1 while it is incomplete.
function requestLength(buf) {
  const text = buf.toString('latin1');
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) return -1;
  const head = text.slice(0, headEnd).toLowerCase();
  const bodyStart = headEnd + 4;
  const length = /\r\ncontent-length: *(\d+)/.exec(head);
  if (length) {
    const end = bodyStart + Number(length[1]);
    return end <= buf.length ? end : -1;
  }
  if (/\r\ntransfer-encoding: *chunked/.test(head)) {
    const last = text.indexOf('\r\n0\r\n\r\n', bodyStart - 2);
    return last < 0 ? -1 : last + 7;
  }
  return bodyStart;
}

function main() {
  const args = process.argv.slice(2);
  if (args.length !== 2) fail('usage: node harness.js SCENARIO_DIR OUT_DIR');
  const dir = path.resolve(args[0]);
  const outDir = path.resolve(args[1]);
  const scenario = require(path.join(dir, 'client.js'));
  const responses = (scenario.responses || []).slice();
  const received = [];  // per connection: Buffer chunks
  const lines = [];
  let quietTimer = null;
  let finished = false;
  let port = 0;

  function finish() {
    if (finished) return;
    finished = true;
    fs.mkdirSync(outDir, { recursive: true });
    received.forEach((chunks, i) => {
      const text = Buffer.concat(chunks).toString('latin1').split(':' + port).join(':PORT');
      fs.writeFileSync(path.join(outDir, 'sent.' + i + '.bin'), Buffer.from(text, 'latin1'));
    });
    lines.push('connections ' + received.length);
    fs.writeFileSync(path.join(outDir, 'events.txt'), lines.join('\n') + '\n');
    process.stdout.write(JSON.stringify({ connections: received.length, events: lines.length }) + '\n');
    process.exit(0);
  }
  function quiet() {
    if (quietTimer) clearTimeout(quietTimer);
    quietTimer = setTimeout(finish, QUIET_MS);
  }

  const peer = net.createServer((socket) => {
    const index = received.length;
    received.push([]);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      received[index].push(chunk);
      pending = Buffer.concat([pending, chunk]);
      quiet();
      for (;;) {
        const n = requestLength(pending);
        if (n < 0) break;
        pending = pending.slice(n);
        if (responses.length === 0) continue;
        const answer = responses.shift();
        if (/\r\ncontent-length:|\r\ntransfer-encoding:/i.test(answer.split('\r\n\r\n')[0]) ||
            /^HTTP\/1\.1 (1\d\d|204|304) /.test(answer)) {
          socket.write(answer, 'latin1');
        } else {
          socket.end(answer, 'latin1');
        }
      }
    });
    socket.on('error', () => {});
  });
  peer.listen(0, scenario.listen || '127.0.0.1', () => {
    port = peer.address().port;
    quiet();
    try {
      scenario.run(http, port, (line) => { lines.push(String(line)); quiet(); }, finish);
    } catch (e) {
      fail('the scenario threw: ' + (e && e.stack ? e.stack : e));
    }
  });
}

main();
