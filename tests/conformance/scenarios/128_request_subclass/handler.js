// Subclasses IncomingMessage with a getter 'kind'; the handler answers with req.kind and the URL.
'use strict';

const http = require('http');

class TaggedRequest extends http.IncomingMessage {
  get kind() {
    return 'subclass';
  }
}

module.exports = {
  description: 'createServer({IncomingMessage}) uses the subclass for requests.',
  options: { IncomingMessage: TaggedRequest },
  handler(req, res) {
    res.end('kind=' + req.kind + ' url=' + req.url);
  },
};
