// Subclasses ServerResponse to set X-Powered-By in its constructor; the handler ends with 'ok'.
'use strict';

const http = require('http');

class TaggedResponse extends http.ServerResponse {
  constructor(req) {
    super(req);
    this.setHeader('X-Powered-By', 'subclass');
  }
}

module.exports = {
  description: 'createServer({ServerResponse}) uses the subclass; its constructor\'s setHeader comes first.',
  options: { ServerResponse: TaggedResponse },
  handler(req, res) {
    res.setHeader('Content-Type', 'text/plain');
    res.end('ok');
  },
};
