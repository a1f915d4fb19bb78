// Node v12.22.9's side of //benchmarks:vs_node (benchmarks/vs_node.py). The engine's
// side is benchmarks/handlers_server.cc: the same handlers in the C++ API, which the
// harness checks answer with the same bytes (Date aside) before it measures.
//
//   node handlers.js PORT
//
//   GET  /plaintext  "Hello, World!" as text/plain (setHeader, end)
//   GET  /json       {"message":"Hello, World!","id":N} (JSON.stringify per request)
//   GET  /headers    writeHead with five headers, two of them the request's
//   GET  /chunked    four write()s, a trailer, end(): chunked with trailers
//   POST /echo       the request body back (collected from 'data', sent at 'end')
//   other            404
'use strict';
const http = require('http');

const port = Number(process.argv[2]);
let id = 0;

const server = http.createServer((req, res) => {
  switch (req.url) {
    case '/plaintext':
      res.setHeader('Content-Type', 'text/plain');
      res.end('Hello, World!');
      return;
    case '/json':
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ message: 'Hello, World!', id: id++ % 1000 }));
      return;
    case '/headers':
      res.writeHead(200, {
        'Content-Type': 'text/plain',
        'Cache-Control': 'no-store',
        'X-User-Agent': req.headers['user-agent'] || '',
        'X-Accept': req.headers['accept'] || '',
        'Content-Length': 2,
      });
      res.end('ok');
      return;
    case '/chunked':
      res.setHeader('Content-Type', 'text/plain');
      res.setHeader('Trailer', 'X-Parts');
      res.write('first part, ');
      res.write('second part, ');
      res.write('third part, ');
      res.write('last part.');
      res.addTrailers({ 'X-Parts': '4' });
      res.end();
      return;
    case '/echo': {
      const parts = [];
      req.on('data', (chunk) => parts.push(chunk));
      req.on('end', () => {
        res.setHeader('Content-Type', 'application/octet-stream');
        res.end(Buffer.concat(parts));
      });
      return;
    }
    default:
      res.statusCode = 404;
      res.end('Not Found');
  }
});

server.listen(port, '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${server.address().port}`);
});
