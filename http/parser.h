// Parser: llhttp run over received bytes in place.
//
// The views rule (the http layer's half of engine/buffer.h's buffer rule):
//   1. Execute() is given bytes that live in an engine receive buffer.
//   2. The method/URL/header names and values of a message are views. A field that
//      lies inside one Execute() input is first a view straight into the input.
//   3. When the head (or the trailers) completes inside an input that holds some of
//      its views, the parser calls OnRetainInput() (once per input and message),
//      before OnHeadersComplete (or OnMessageComplete): the caller keeps that input
//      alive (BufRef) for as long as it needs the views, or moves them itself.
//   4. When an input ends inside a head (or trailers), no input is kept for it: the
//      fields of the head (trailers) that point into the input are copied into the
//      message's Arena and their views re-pointed, so a peer that sends a head in
//      pieces holds no receive buffer while it waits. The copy is bounded by the
//      header size limit (max_header_size). (A head that completed in the input is
//      kept there under rule 3: the caller moves it if it must, MessageHead::MoveOut.)
//   5. A field split across two inputs is copied the same way as it goes.
//   6. Body bytes are views valid only during OnBody.
// copied_bytes() counts the bytes copied under rules 4 and 5, so a test can prove
// that a message inside one input is parsed without a copy.
//
// The two modes (ParserOptions::lenient):
//   - default: llhttp's strict machine, the checks current Node adds, and RFC 9112's
//     rules for a request head (http/request_rules.h). A head that breaks one fails
//     before OnHeadersComplete, so no caller ever sees it; ParseResult::status says
//     how to answer it. After a message that closes the connection (HTTP/1.0 without
//     keep-alive, Connection: close), a later byte other than CR or LF fails with
//     HPE_CLOSED_CONNECTION: nothing after it is parsed.
//     A response head is held to current Node's rules where llhttp 8.1 is laxer: a
//     status of three digits, and CR LF after the status line.
//   - lenient: v12.22.9's insecureHTTPParser, which parsed on after such a message
//     (and took a two-digit status, or a bare LF after the status line).
// In both, a chunk-size line's extensions are read here, not by llhttp
// (http/chunk_extensions.h): the machine sees the size and the line end only.
//
// All llhttp glue lives in this file and parser.cc (parser_views.cc keeps the views
// rule; of llhttp it uses only the error codes). Loop-thread only; no callback
// outlives the Execute() call that makes it. An exception thrown by a ParserEvents
// call stops the parse and is rethrown by Execute() (or Finish()) once llhttp has
// returned, never through llhttp's frames; the parser is then failed until Reset().
#ifndef HTTP_PARSER_H_
#define HTTP_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <string_view>
#include <vector>

#include "http/chunk_extensions.h"
#include "http/message_head.h"

namespace http {

class ParserEvents {
 public:
  virtual ~ParserEvents() = default;
  // A message starts; return where its head goes (must stay valid until the
  // message is complete or the parser is reset).
  virtual MessageHead* OnMessageBegin() = 0;
  // The current message's head (or trailers) completes in the current Execute()
  // input, which holds views of it: keep the input (see the views rule above).
  virtual void OnRetainInput() = 0;
  // Return 0 to go on, 1 to skip the body (responses to HEAD), or 2 to stop
  // parsing after this head (an upgrade that the caller takes over, or a request
  // after which the caller reads nothing).
  virtual int OnHeadersComplete(MessageHead& head) = 0;
  virtual void OnBody(std::string_view data) = 0;
  // Trailers, if any, are in the head's `trailers`.
  virtual void OnMessageComplete(MessageHead& head) = 0;
};

enum class ParserType { kRequest, kResponse };

struct ParserOptions {
  // Node's insecureHTTPParser: llhttp's lenient header, chunked-length and
  // keep-alive handling. Off by default.
  bool lenient = false;
  // Headers (and request line) larger than this fail with HPE_HEADER_OVERFLOW.
  size_t max_header_size = 8192;
};

// Parse outcome of one Execute().
struct ParseResult {
  int error = 0;             // 0, an llhttp_errno_t, or one of Parser's k* codes
  const char* code = "";     // "HPE_INVALID_METHOD", "HPE_HEADER_OVERFLOW", ...
  const char* reason = "";   // llhttp's explanation
  size_t consumed = 0;       // bytes used; less than the input on error or upgrade
  // With an error: the status a server answers it with before closing (400; 413, 431,
  // 501, 505 where the error says so). HPE_CLOSED_CONNECTION is not answered at all.
  uint16_t status = 0;
  bool upgraded = false;     // OnHeadersComplete asked to stop (the rest is not read)
  // OnMessageComplete asked to stop (StopAfterMessage): `consumed` ends with that
  // message, and the rest is the next Execute's.
  bool stopped = false;
};

class Parser {
 public:
  static constexpr int kHeaderOverflow = 1000;  // our code for HPE_HEADER_OVERFLOW
  // Current Node's HPE_CHUNK_EXTENSIONS_OVERFLOW: a message's chunk extensions passed
  // kMaxChunkExtensions bytes (strict mode only; v12 had no limit).
  static constexpr int kChunkExtensionsOverflow = 1001;
  static constexpr size_t kMaxChunkExtensions = 16384;
  // A request head breaks one of RFC 9112's rules (http/request_rules.h; default mode
  // only): the code says which, the status how to answer.
  static constexpr int kRuleBroken = 1002;

  Parser(ParserType type, const ParserOptions& options, ParserEvents* events);
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  ParseResult Execute(std::string_view data);
  // End of input (EOF). Completes a message whose body runs to EOF (result.stopped
  // when StopAfterMessage() was asked for it: no error).
  ParseResult Finish();
  // Back to the start state; the next byte begins a new message.
  void Reset();
  // As a new parser of the same type and options, reporting to `events` (a pooled
  // parser lent to another connection). The copy count starts again at 0.
  void Rebind(ParserEvents* events);

  // From OnHeadersComplete: the message is the connection's last, as if it said
  // `Connection: close` (its head's keep_alive is false; in the default mode the
  // machine parses nothing after it, where lenient keep-alive would).
  void CloseAfterMessage();
  // From OnMessageComplete: Execute returns after this message (result.stopped),
  // unless the message is an upgrade (result.upgraded then ends it).
  void StopAfterMessage();

  uint64_t copied_bytes() const { return copied_bytes_; }
  bool in_message() const { return head_ != nullptr; }
  bool in_head() const { return head_ != nullptr && !headers_done_; }

 private:
  struct Callbacks;
  enum class Field : uint8_t { kNone, kUrl, kStatus, kName, kValue };

  int OnSpan(Field field, const char* at, size_t len);
  int OnSpanComplete(Field field);
  // Rule 3 of the views rule: the head or trailers complete in this input.
  void RetainInputIfViewed();
  // Rule 4: at the end of an input inside a head or trailers.
  void MoveViewsToArena();
  void MoveToArena(std::string_view* view);
  bool InInput(std::string_view v) const {
    return v.data() >= input_begin_ && v.data() < input_end_;
  }
  void SaveOpenSpan();
  void Store(Field field, std::string_view value);
  int Fail(int error, const char* code, const char* reason, uint16_t status = 400);
  int FailAt(const char* at, int error, const char* code, const char* reason,
             uint16_t status = 400);
  void ApplyConnectionOptions();
  int PauseBeforeChunkLine();
  int FeedChunkLine(const char* p, const char* end);
  bool FollowsLineBreak(const char* at) const;
  char ByteBefore(const char* at, size_t back) const;
  int Machine(const char* p, const char* end);
  int RunMachine(const char* p, const char* end);
  int FeedVersion(const char* p, const char* end);
  int FeedStatusLine(const char* p, const char* end);
  int CountHeaderBytes(size_t len);

  struct llhttp_impl;
  std::unique_ptr<llhttp_impl> impl_;
  ParserEvents* events_;
  ParserOptions options_;
  MessageHead* head_ = nullptr;
  bool headers_done_ = false;
  bool stop_after_message_ = false;  // StopAfterMessage() was called
  bool stopped_ = false;             // the machine paused after a message (Execute)
  bool input_views_ = false;     // a view of the current message points into the input
  bool input_retained_ = false;  // OnRetainInput() was called for this input and message
  // The first header (trailer) completed in the current input: those before it
  // were moved or retained at the end of earlier inputs.
  size_t first_header_in_input_ = 0;
  size_t first_trailer_in_input_ = 0;
  const char* input_begin_ = nullptr;
  const char* input_end_ = nullptr;
  // The field being parsed: its start within the current input, or in the arena
  // when it began in an earlier input.
  Field open_field_ = Field::kNone;
  const char* open_start_ = nullptr;
  size_t open_len_ = 0;
  uint64_t open_end_ = 0;       // stream offset just past the field's last piece
  bool open_in_arena_ = false;
  uint64_t stream_pos_ = 0;     // stream offset of the current input's first byte
  char tail_[64];               // the stream's last bytes before the current input
  size_t tail_len_ = 0;
  // The stream before the current input ends in a line break and then only spaces
  // and tabs, however many (FollowsLineBreak: a fold's whitespace may outrun tail_).
  bool tail_in_line_start_ = false;
  // Lenient mode only: v12 accepted any single-digit HTTP version, llhttp 8.1 only
  // 0.9, 1.0, 1.1 and 2.0. After the URL, the version's digits are fed to llhttp as
  // the accepted version with the same keep-alive rules (RunMachine); the message
  // reports the digits as sent.
  // After the URL: the space(s), "HTTP/", the major digit, ".", the minor digit;
  // anything else ends the scan (llhttp then judges the bytes itself).
  enum class VersionScan : uint8_t { kIdle, kPaused, kSpace, kProtocol, kMajor, kDot, kMinor };
  VersionScan version_scan_ = VersionScan::kIdle;
  uint8_t protocol_matched_ = 0;  // bytes of "HTTP/" seen
  char fed_major_ = '1';
  bool version_replaced_ = false;
  uint8_t sent_major_ = 1;
  uint8_t sent_minor_ = 1;
  // A chunk-size line (FeedChunkLine): the machine paused before it, then its digits,
  // then its extensions, which the machine does not see.
  enum class ChunkScan : uint8_t { kIdle, kPaused, kSize, kExtensions };
  ChunkScan chunk_scan_ = ChunkScan::kIdle;
  bool chunk_digits_ = false;   // the line has size digits so far
  bool last_chunk_ = false;     // the last chunk's line was read: trailers follow
  ChunkExtensions extensions_;
  // A response's status line (FeedStatusLine; default mode): the machine paused at
  // its first byte, then the version, the code's digits, the rest up to its LF.
  enum class StatusScan : uint8_t { kIdle, kPaused, kVersion, kCode, kText };
  StatusScan status_scan_ = StatusScan::kIdle;
  uint8_t status_digits_ = 0;
  char status_last_ = 0;        // the line's byte before the current one
  bool has_version_ = false;    // the request line carried a version (not HTTP/0.9)
  bool response_ = false;       // ParserType::kResponse
  std::exception_ptr exception_;  // thrown by an event, rethrown by Execute/Finish
  int user_error_ = 0;          // an error a callback raised (Fail), for Execute
  const char* user_code_ = "";
  const char* user_reason_ = "";
  uint16_t user_status_ = 400;
  std::string_view pending_name_;
  size_t header_bytes_ = 0;
  size_t chunk_extension_bytes_ = 0;
  uint64_t copied_bytes_ = 0;
};

}  // namespace http

#endif  // HTTP_PARSER_H_
