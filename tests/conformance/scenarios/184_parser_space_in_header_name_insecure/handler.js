// handler: echo-request-brief. Reads the body, then answers 200 with JSON {method, url, httpVersion, headers, body}. Options: {insecureHTTPParser: true}.
'use strict';
module.exports = {
  description: 'insecureHTTPParser: true, request with a space inside a header name (Bad Name: x): the engine must answer as v12.22.9 does (response.bin).',
  options: { insecureHTTPParser: true },
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
