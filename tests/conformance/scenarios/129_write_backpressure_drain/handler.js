// Writes 100000 bytes of 'a', records write()'s result, ends with it on 'drain'.
'use strict';
module.exports = {
  description: 'write() of a chunk over the high-water mark returns false and \'drain\' follows; the body reports both.',
  handler(req, res) {
    const ret = res.write(Buffer.alloc(100000, 'a'));
    res.on('drain', () => res.end('\nwrite returned ' + ret + ', then drain'));
  },
};
