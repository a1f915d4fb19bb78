// end('once'), then end('twice'); an 'error' listener would rethrow.
'use strict';
module.exports = {
  description: 'A second end() is ignored: no error and nothing more on the wire.',
  handler(req, res) {
    res.on('error', (err) => { throw err; });
    res.end('once');
    res.end('twice');
  },
};
