// Runs one conformance scenario against the Node runtime executing this file and records
// the bytes the server wrote. It is run by record.py under the reference runtime (Node
// v12.22.9), and under the machine's current Node for the parser cases. It must therefore
// stay within the JavaScript that Node 12 accepts (no `?.`, no `??`).
//
//   node harness.js SCENARIO_DIR OUT_FILE
//
// Steps:
//   1. Load SCENARIO_DIR/handler.js. When it exports `nodeArgs` and this process was not
//      started with them, run this file again under those flags and exit with its status.
//   2. Create the server with `options` and `handler`, call `setup(server)`, listen on
//      127.0.0.1 port 0.
//   3. Connect a raw TCP socket, write SCENARIO_DIR/request.bin in one write, and never
//      half-close. When the scenario exports `pause: { at, ms }`, write bytes [0, at),
//      wait ms milliseconds, then write the rest (for timeouts that need a slow client).
//   4. Read until the server closes the connection (FIN or RST), or until `idleMs`
//      (default 300) pass without a byte arriving; the wait starts when the whole request
//      has been handed to the kernel.
//   5. Replace the value of every Date header Node generated with the token DATE, write
//      the bytes to OUT_FILE, and print one JSON line {closed, reset, bytes} on stdout.
// An exception that escapes the scenario's code fails the run (exit status 3): a scenario
// must catch what it provokes.
'use strict';

const childProcess = require('child_process');
const fs = require('fs');
const http = require('http');
const net = require('net');
const path = require('path');

const DEFAULT_IDLE_MS = 300;

// Node's own Date value (utcDate(): toUTCString of the current second). A Date header a
// handler sets itself in another shape is left as it is.
const DATE_RE = new RegExp(
  '\\r\\nDate: (?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d\\d ' +
  '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \\d{4} \\d\\d:\\d\\d:\\d\\d GMT\\r\\n',
  'g');

function normaliseDate(buf) {
  const text = buf.toString('latin1').replace(DATE_RE, '\r\nDate: DATE\r\n');
  return Buffer.from(text, 'latin1');
}

function fail(message) {
  process.stderr.write('harness: ' + message + '\n');
  process.exit(3);
}

function main() {
  const args = process.argv.slice(2);
  if (args.length !== 2) fail('usage: node harness.js SCENARIO_DIR OUT_FILE');
  const dir = path.resolve(args[0]);
  const outFile = path.resolve(args[1]);
  const scenario = require(path.join(dir, 'handler.js'));

  const nodeArgs = scenario.nodeArgs || [];
  if (nodeArgs.length > 0 && !process.env.HARNESS_REEXEC) {
    const env = Object.assign({}, process.env, { HARNESS_REEXEC: '1' });
    const child = childProcess.spawnSync(
      process.execPath, nodeArgs.concat([__filename, dir, outFile]),
      { stdio: 'inherit', env: env });
    process.exit(child.status === null ? 3 : child.status);
  }

  process.on('uncaughtException', (err) => {
    fail('uncaught exception in ' + path.basename(dir) + ': ' +
         (err && err.stack ? err.stack : String(err)));
  });

  const request = fs.readFileSync(path.join(dir, 'request.bin'));
  const idleMs = scenario.idleMs || DEFAULT_IDLE_MS;
  const server = scenario.handler ?
    http.createServer(scenario.options || {}, scenario.handler) :
    http.createServer(scenario.options || {});
  if (scenario.setup) scenario.setup(server);

  server.listen(0, '127.0.0.1', () => {
    const chunks = [];
    let closed = false;
    let reset = false;
    let idleTimer = null;
    let done = false;
    let sent = false;

    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(idleTimer);
      client.destroy();
      const bytes = normaliseDate(Buffer.concat(chunks));
      fs.writeFileSync(outFile, bytes);
      fs.writeSync(1, JSON.stringify({ closed: closed, reset: reset, bytes: bytes.length }) + '\n');
      process.exit(0);
    };
    const armIdle = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(finish, idleMs);
    };
    const sendRest = (bytes) => {
      client.write(bytes, () => {
        sent = true;
        armIdle();
      });
    };

    const client = net.connect(server.address().port, '127.0.0.1');
    client.on('connect', () => {
      if (!scenario.pause) {
        sendRest(request);
        return;
      }
      client.write(request.slice(0, scenario.pause.at));
      setTimeout(() => {
        if (done || client.destroyed) return;
        sendRest(request.slice(scenario.pause.at));
      }, scenario.pause.ms);
    });
    client.on('data', (chunk) => {
      chunks.push(chunk);
      if (sent) armIdle();
    });
    client.on('end', () => {
      closed = true;
      finish();
    });
    client.on('error', (err) => {
      if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') fail('client: ' + err.stack);
      closed = true;
      reset = true;
    });
    client.on('close', () => {
      closed = true;
      finish();
    });
  });
}

main();
