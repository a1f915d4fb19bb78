// Calls server.close(), then end('closing').
'use strict';
module.exports = {
  description: 'server.close() from inside a handler stops listening but the response is still keep-alive and the connection stays open.',
  handler(req, res) {
    this.close();
    res.end('closing');
  },
};
