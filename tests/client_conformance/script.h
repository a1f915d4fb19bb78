// The rules a scripted peer plays a client scenario by, the same as
// tools/record_client_fixtures/harness.js's (its README.md, "The peer" and "Peer
// directives"): where a request ends, whether the bytes of a response end their
// connection, and what the directive line of a response string asks. The recorded
// fixtures hold what v12's client did against that JavaScript peer, so a replay is
// only fair while these functions agree with it to the byte; a change to one is a
// change to the other.
//
// Everything here is a pure function of its arguments; bytes are latin1, as the
// harness reads them.
#ifndef TESTS_CLIENT_CONFORMANCE_SCRIPT_H_
#define TESTS_CLIENT_CONFORMANCE_SCRIPT_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace client_conformance {

// The length of the head at the start of `bytes`, through the first "\r\n\r\n", or
// -1 while there is none.
long HeadLength(std::string_view bytes);

// The length of the first complete request in `bytes`, or -1 while it is incomplete:
// the head, then the body its first "Content-Length: *DIGITS" line says, or for
// "Transfer-Encoding: *chunked" everything through the first "\r\n0\r\n\r\n"; else the
// head alone. Header names are matched without case.
long RequestLength(std::string_view bytes);

// Whether the peer ends the connection (FIN) after sending `bytes` when no directive
// says: yes, unless their first head has a "Content-Length:" or "Transfer-Encoding:"
// line, or they start with "HTTP/1.1 1xx ", "204 " or "304 ".
bool FramingEnds(std::string_view bytes);

// A response string taken apart: what to send, and what to do around it.
struct Plan {
  enum class End { kKeep, kFin, kReset };

  std::string bytes;     // sent as they are, after delay_ms
  int delay_ms = 0;
  bool on_head = false;  // answers a request once its head is in, before its body
  End end = End::kKeep;  // after the bytes, end_delay_ms later
  int end_delay_ms = 0;
};

// Parses a response string: a directive line when it starts with "!" (the words up
// to the first "\n"), then the bytes. Throws std::invalid_argument for a word
// harness.js refuses too.
Plan ParseResponse(std::string_view text);

// `bytes` with each ":<port>" written ":PORT", as in sent.N.bin.
std::string NamePort(std::string_view bytes, uint16_t port);

// The reverse: each ":PORT" written ":<port>" (to send a recorded request again).
std::string FillPort(std::string_view bytes, uint16_t port);

}  // namespace client_conformance

#endif  // TESTS_CLIENT_CONFORMANCE_SCRIPT_H_
