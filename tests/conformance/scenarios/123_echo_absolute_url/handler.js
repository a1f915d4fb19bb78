// handler: echo-request. Reads the body, then answers 200 with a JSON object of the request's fields.
'use strict';
module.exports = {
  description: 'An absolute-form request target is passed through as req.url unchanged.',
  handler(req, res) {
    const body = [];
    req.on('data', (chunk) => body.push(chunk));
    req.on('end', () => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({
        method: req.method,
        url: req.url,
        httpVersion: req.httpVersion,
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        trailers: req.trailers,
        rawTrailers: req.rawTrailers,
        complete: req.complete,
        body: Buffer.concat(body).toString('latin1'),
      }) + '\n');
    });
  },
};
