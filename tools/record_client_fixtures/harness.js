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
//                the connection ended (FIN); a string may start with a directive line
//                (README.md, "Peer directives");
//   run(http, port, log, done)
//                makes the requests; log(line) records an event; done() ends the run
//                (the harness also ends 2 s after the last byte, whatever happened).
//
// Written to OUT_DIR: sent.N.bin (the bytes received on connection N, from 0, in
// accept order; the peer's port, where the client wrote it, is replaced by PORT),
// events.txt (the logged lines, in order, then "connections N"), answers.txt (which
// response the peer gave to each request it split, and where the request ended),
// response.N.bin (the Nth response string, as latin1 bytes, directive line included)
// and, when the peer does not listen on 127.0.0.1, listen.txt (its address). The C++
// peer (tests/client_conformance/peer.h) reads the last three and must behave as this
// one does: a rule changed here is changed there.
'use strict';

const childProcess = require('child_process');
const fs = require('fs');
const http = require('http');
const net = require('net');
const path = require('path');

const QUIET_MS = 2000;

// Node 12 cannot set SO_LINGER, so a reset borrows Python: the child receives the
// socket as its fd 3, sets a zero linger on it (an option of the socket, shared by
// every descriptor of it) and exits; our close is then the last one, and the kernel
// answers it with a RST instead of a FIN. record.py passes its own interpreter.
const PYTHON = process.env.CLIENT_HARNESS_PYTHON || 'python3';
const LINGER_ZERO = 'import socket, struct\n' +
    's = socket.socket(fileno=3)\n' +
    's.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))\n' +
    's.detach()\n';

function fail(message) {
  process.stderr.write('client harness: ' + message + '\n');
  process.exit(3);
}

// The length of the head (through its blank line) at the start of `text`, or -1.
function headLength(text) {
  const headEnd = text.indexOf('\r\n\r\n');
  return headEnd < 0 ? -1 : headEnd + 4;
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

// Whether the peer ends the connection after sending `bytes` when no directive says:
// yes unless their first head frames a body or they start with a status that has none.
function framingEnds(bytes) {
  return !(/\r\ncontent-length:|\r\ntransfer-encoding:/i.test(bytes.split('\r\n\r\n')[0]) ||
           /^HTTP\/1\.1 (1\d\d|204|304) /.test(bytes));
}

// A response string as the peer plays it: its directive line (README.md, "Peer
// directives") taken apart. The line is there when the string starts with "!"; it
// runs to the first "\n", and the bytes to send follow it.
function parseResponse(text) {
  const plan = { bytes: text, delay: 0, head: false, end: 'framing', endDelay: 0 };
  if (text[0] === '!') {
    const eol = text.indexOf('\n') < 0 ? text.length : text.indexOf('\n');
    plan.bytes = text.slice(eol + 1);
    for (const word of text.slice(1, eol).split(' ')) {
      const m = /^(delay|fin|reset|keep|head)(?:=(\d+))?$/.exec(word);
      const ms = m && m[2] !== undefined ? Number(m[2]) : -1;
      if (word === '') continue;
      if (m && m[1] === 'delay' && ms >= 0) {
        plan.delay = ms;
      } else if (m && (m[1] === 'fin' || m[1] === 'reset') && plan.end === 'framing') {
        plan.end = m[1];
        plan.endDelay = Math.max(ms, 0);
      } else if (m && m[1] === 'keep' && ms < 0 && plan.end === 'framing') {
        plan.end = 'keep';
      } else if (m && m[1] === 'head' && ms < 0) {
        plan.head = true;
      } else {
        fail('bad directive ' + JSON.stringify(word) + ' in ' + JSON.stringify(text.slice(0, eol)));
      }
    }
  }
  if (plan.end === 'framing') plan.end = framingEnds(plan.bytes) ? 'fin' : 'keep';
  return plan;
}

function main() {
  const args = process.argv.slice(2);
  if (args.length !== 2) fail('usage: node harness.js SCENARIO_DIR OUT_DIR');
  const dir = path.resolve(args[0]);
  const outDir = path.resolve(args[1]);
  const scenario = require(path.join(dir, 'client.js'));
  const scripted = scenario.responses || [];
  const listen = scenario.listen || '127.0.0.1';
  scripted.forEach(parseResponse);  // a bad directive fails before anything runs
  let next = 0;                     // the index of the next response to give
  const received = [];              // per connection: Buffer chunks
  const answers = [];               // "connection C at OFFSET response K|none"
  const lines = [];
  let quietTimer = null;
  let finished = false;
  let port = 0;

  function withPort(buf) {
    return buf.toString('latin1').split(':' + port).join(':PORT');
  }
  function finish() {
    if (finished) return;
    finished = true;
    fs.mkdirSync(outDir, { recursive: true });
    received.forEach((chunks, i) => {
      fs.writeFileSync(path.join(outDir, 'sent.' + i + '.bin'),
                       Buffer.from(withPort(Buffer.concat(chunks)), 'latin1'));
    });
    scripted.forEach((text, i) => {
      fs.writeFileSync(path.join(outDir, 'response.' + i + '.bin'), Buffer.from(text, 'latin1'));
    });
    if (listen !== '127.0.0.1') fs.writeFileSync(path.join(outDir, 'listen.txt'), listen + '\n');
    fs.writeFileSync(path.join(outDir, 'answers.txt'), answers.map((a) => a + '\n').join(''));
    lines.push('connections ' + received.length);
    fs.writeFileSync(path.join(outDir, 'events.txt'), lines.join('\n') + '\n');
    process.stdout.write(JSON.stringify({ connections: received.length, events: lines.length }) + '\n');
    process.exit(0);
  }
  function quiet() {
    if (quietTimer) clearTimeout(quietTimer);
    quietTimer = setTimeout(finish, QUIET_MS);
  }

  // One connection's answers run as a queue of steps (wait, write, fin, reset), one
  // after another, so a delayed answer holds back the ones behind it on its
  // connection and no other.
  function Connection(socket, index) {
    this.socket = socket;
    this.index = index;
    this.consumed = 0;        // bytes of the stream split into requests so far
    this.pending = Buffer.alloc(0);
    this.headAnswered = false;
    this.steps = [];
    this.waiting = false;
    this.ended = false;       // FIN sent (ours, or Node's own once the client's came)
    this.gone = false;        // closed or reset: nothing more is read or written
  }
  Connection.prototype.answer = function answer(offset) {
    const stream = Buffer.concat(received[this.index]).slice(0, offset);
    const k = next < scripted.length ? next++ : -1;
    answers.push('connection ' + this.index + ' at ' + withPort(stream).length +
                 ' response ' + (k < 0 ? 'none' : k));
    if (k < 0) return;
    const plan = parseResponse(scripted[k]);
    if (plan.delay) this.steps.push({ wait: plan.delay });
    if (plan.bytes.length) this.steps.push({ write: plan.bytes });
    if (plan.end !== 'keep') {
      if (plan.endDelay) this.steps.push({ wait: plan.endDelay });
      this.steps.push({ end: plan.end });
    }
    this.pump();
  };
  Connection.prototype.pump = function pump() {
    while (!this.waiting && !this.gone && this.steps.length) {
      const step = this.steps.shift();
      quiet();
      if (step.wait) {
        this.waiting = true;
        setTimeout(() => { this.waiting = false; this.pump(); }, step.wait);
      } else if (step.write) {
        if (!this.ended) this.socket.write(step.write, 'latin1');
      } else if (step.end === 'fin') {
        if (!this.ended) this.socket.end();
        this.ended = true;
      } else if (step.end === 'reset') {
        this.gone = true;
        const child = childProcess.spawn(PYTHON, ['-c', LINGER_ZERO],
                                         { stdio: ['ignore', 'ignore', 'inherit', this.socket] });
        child.on('exit', (code) => {
          if (code !== 0) fail('could not set SO_LINGER for a reset');
          this.socket.destroy();
        });
      } else {
        fail('unknown step ' + JSON.stringify(step));
      }
    }
  };
  Connection.prototype.onData = function onData(chunk) {
    if (this.gone) return;
    received[this.index].push(chunk);
    this.pending = Buffer.concat([this.pending, chunk]);
    quiet();
    for (;;) {
      // A `head` response answers a request as soon as its head is in, before its
      // body (the 100 Continue a client waits for before sending it).
      const head = headLength(this.pending.toString('latin1'));
      if (!this.headAnswered && head >= 0 && next < scripted.length &&
          parseResponse(scripted[next]).head) {
        this.headAnswered = true;
        this.answer(this.consumed + head);
      }
      const n = requestLength(this.pending);
      if (n < 0) break;
      this.pending = this.pending.slice(n);
      this.consumed += n;
      this.headAnswered = false;
      this.answer(this.consumed);
    }
  };

  const peer = net.createServer((socket) => {
    const conn = new Connection(socket, received.length);
    received.push([]);
    quiet();
    socket.on('data', (chunk) => conn.onData(chunk));
    // The client's FIN: Node answers it with ours (allowHalfOpen is false), and
    // drops what is written after.
    socket.on('end', () => { conn.ended = true; });
    socket.on('close', () => { conn.gone = true; });
    socket.on('error', () => {});
  });
  peer.listen(0, listen, () => {
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
