// Sets statusCode = 42, catches end('x'), sets statusCode = 200 and ends with the code and message.
'use strict';
module.exports = {
  description: 'statusCode = 42 with implicit headers throws ERR_HTTP_INVALID_STATUS_CODE from end(); the response can still be sent afterwards.',
  handler(req, res) {
    res.statusCode = 42;
    let report = 'no error';
    try {
      res.end('x');
    } catch (err) {
      report = err.code + ': ' + err.message;
    }
    res.statusCode = 200;
    res.end(report);
  },
};
