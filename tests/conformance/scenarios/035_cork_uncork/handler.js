// cork(), writes 'one' and 'two', uncork(), end('three').
'use strict';
module.exports = {
  description: 'Writes made under cork() still go out as one chunk per write().',
  handler(req, res) {
    res.cork();
    res.write('one');
    res.write('two');
    res.uncork();
    res.end('three');
  },
};
