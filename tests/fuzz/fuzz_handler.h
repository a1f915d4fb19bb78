// FuzzHandler: the listeners of the server fuzz target (tests/fuzz/server_fuzz.cc),
// a program chosen by bytes of the fuzz input, that uses the http API broadly.
//
// Program bytes:
//   listeners  which server listeners exist besides 'request' (bit 0 'clientError',
//              1 'checkContinue', 2 'checkExpectation', 3 'upgrade', 4 'connect'),
//              and the server's maxHeadersCount (bits 5-6: 1000, 0, 2, 40).
//   action[4]  what the handler does with request i: action[i % 4], rotated left by
//              i / 4 bits (so a long pipeline varies):
//     bits 0-1  0: end(summary) at once; 1: writeHead, then write() in two parts and
//               end() (chunked when the request allows); 2: setHeader Content-Length
//               and write() exactly that; 3: read the body ('data'), answer at 'end'
//               with the body and the trailers echoed (chunked, or with a Content-Length
//               when bit 2 is set).
//     bit 2     writeHead's headers as a list with duplicates, and setHeader of an array
//               value; then getHeader, hasHeader and removeHeader of one of them.
//     bits 3-4  the status: 200, 404, 204 (no body), 304 (no body).
//     bit 5     Connection: close (the last response on the connection).
//     bit 6     writeContinue() first, or sendDate = false, or addTrailers (chunked).
//     bit 7     pause the request, or the socket, until the harness's next piece.
// The summary (the body of most answers) is the method, URL, version, rawHeaders
// count and every field of req.headers(), so a wrong view shows in the bytes.
//
// Split-invariance: the bytes a connection sends must not depend on how its input
// was cut into receives, as long as every answer is made while the request's own
// events are emitted (bits 0-1 not 3, bit 7 clear: `Deferred()` false). An answer
// made on a later tick, or a pause lifted between pieces, may legitimately see a
// later part of the stream first (a parse error or an upgrade further on, or a later
// request whose listener throws and so destroys the socket), so those programs are
// compared only when the stream holds none of them (server_fuzz.cc).
//
// Loop thread only; outlives the connection it serves.
#ifndef TESTS_FUZZ_FUZZ_HANDLER_H_
#define TESTS_FUZZ_FUZZ_HANDLER_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "http/server.h"

namespace fuzz {

class FuzzHandler {
 public:
  static constexpr size_t kProgramBytes = 5;
  // `program` holds kProgramBytes bytes.
  explicit FuzzHandler(const uint8_t* program);

  // Adds the listeners to a server (which has none yet) and sets its limits.
  void Install(http::Server& server);
  // Between two pieces of the input: what was paused is resumed.
  void BetweenPieces();
  // Some request was answered on a later tick, or paused until the next piece.
  bool Deferred() const { return deferred_; }
  // Some request was paused (its answer then depends on where the pieces are cut).
  bool Paused() const { return paused_; }

 private:
  uint8_t ActionFor(size_t index) const;
  void OnRequest(http::IncomingMessage& req, http::ServerResponse& res);
  void Answer(http::IncomingMessage& req, http::ServerResponse& res, uint8_t action,
              const std::string& body);
  void TakeOver(http::IncomingMessage& req, http::Socket& socket, std::string_view head,
                const char* status_line);

  uint8_t listeners_;
  std::array<uint8_t, 4> actions_;
  size_t requests_ = 0;
  bool deferred_ = false;
  bool paused_ = false;
  std::vector<http::IncomingMessage*> paused_requests_;
  http::Socket* paused_socket_ = nullptr;
};

}  // namespace fuzz

#endif  // TESTS_FUZZ_FUZZ_HANDLER_H_
