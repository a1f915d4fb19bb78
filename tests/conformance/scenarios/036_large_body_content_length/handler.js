// Ends with a 70000-byte buffer of the repeated letters a..z.
'use strict';
module.exports = {
  description: 'A 70000-byte end(buffer) is sent with Content-Length: 70000 and the bytes intact.',
  handler(req, res) {
    const body = Buffer.alloc(70000);
    for (let i = 0; i < body.length; i++) body[i] = 97 + (i % 26);
    res.end(body);
  },
};
