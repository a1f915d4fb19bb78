// Sets Keep-Alive: timeout=9, ends with 'ok'.
'use strict';
module.exports = {
  description: 'A user Keep-Alive header suppresses Node\'s Keep-Alive: timeout=N line.',
  handler(req, res) {
    res.setHeader('Keep-Alive', 'timeout=9');
    res.end('ok');
  },
};
