// handler: echo-request-brief. Reads the body, then answers 200 with JSON {method, url, httpVersion, headers, body}.
'use strict';
module.exports = {
  description: 'Default parser, request with two different Content-Length headers: v12.22.9 answers as in response.bin; the engine\'s strict default must answer as current Node does (response.v20.bin).',
  recordStrict: true,
  handler(req, res) {
    const body = [];
    req.on('data', (chunk) => body.push(chunk));
    req.on('end', () => {
      res.end(JSON.stringify({
        method: req.method,
        url: req.url,
        httpVersion: req.httpVersion,
        headers: req.headers,
        body: Buffer.concat(body).toString('latin1'),
      }) + '\n');
    });
  },
};
