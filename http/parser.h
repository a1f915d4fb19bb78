// Parser: llhttp run over received bytes in place.
//
// The views rule (the http layer's half of engine/buffer.h's buffer rule):
//   1. Execute() is given bytes that live in an engine receive buffer.
//   2. The method/URL/header names and values of a request head are views into
//      those bytes. When one of them lies inside a single Execute() input, its view
//      points straight at the input; the parser calls OnRetainInput() once per
//      Execute() call and message, the first time a view of that message points into
//      the input, so that the caller can keep the buffer alive (BufRef) as long as
//      the message.
//   3. A field split across two Execute() inputs is the only thing copied: its
//      pieces go into the message's Arena, and the view points there. Arena blocks
//      never move, so earlier views stay valid.
//   4. Body bytes are views valid only during OnBody.
// copied_bytes() counts the bytes copied under rule 3, so a test can prove the
// common case copies nothing.
//
// All llhttp glue lives in this file and parser.cc. Loop-thread only; no callback
// outlives the Execute() call that makes it.
#ifndef HTTP_PARSER_H_
#define HTTP_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace http {

// Stable storage for the rare copied field. Blocks are kept until Reset().
class Arena {
 public:
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // Starts a new contiguous span, then appends to it; the span never moves once
  // Finish() returned its view.
  void Begin();
  void Append(std::string_view piece);
  std::string_view Finish();
  void Reset();
  size_t bytes() const { return total_; }

 private:
  struct Block {
    std::unique_ptr<char[]> data;
    size_t size = 0;
    size_t used = 0;
  };
  std::vector<Block> blocks_;
  size_t span_start_ = 0;  // in the last block
  size_t total_ = 0;
};

struct HeaderView {
  std::string_view name;
  std::string_view value;
};

// A parsed head (request line or status line, and headers), plus trailers.
// Filled by the Parser through the storage the events hand it in OnMessageBegin.
struct MessageHead {
  uint8_t method = 0;  // llhttp_method_t (requests)
  uint16_t status = 0;  // responses
  uint8_t http_major = 1;
  uint8_t http_minor = 1;
  std::string_view url;
  std::string_view status_text;
  std::vector<HeaderView> headers;
  std::vector<HeaderView> trailers;
  bool keep_alive = false;     // llhttp's verdict from version and Connection
  bool upgrade = false;        // Upgrade or CONNECT that llhttp hands over
  bool chunked = false;
  bool has_content_length = false;
  uint64_t content_length = 0;
  Arena arena;

  void Clear();
};

class ParserEvents {
 public:
  virtual ~ParserEvents() = default;
  // A message starts; return where its head goes (must stay valid until the
  // message is complete or the parser is reset).
  virtual MessageHead* OnMessageBegin() = 0;
  // The current Execute() input holds views of the current message: keep it.
  virtual void OnRetainInput() = 0;
  // Return 0 to go on, 1 to skip the body (responses to HEAD), or 2 to stop
  // parsing after this head (an upgrade that the caller takes over).
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
  int error = 0;             // 0, or an llhttp_errno_t; kHeaderOverflow for size
  const char* code = "";     // "HPE_INVALID_METHOD", "HPE_HEADER_OVERFLOW", ...
  const char* reason = "";   // llhttp's explanation
  size_t consumed = 0;       // bytes used; less than the input on error or upgrade
  bool upgraded = false;     // OnHeadersComplete asked to stop (rest is not HTTP)
};

class Parser {
 public:
  static constexpr int kHeaderOverflow = 1000;  // our code for HPE_HEADER_OVERFLOW
  // Current Node's HPE_CHUNK_EXTENSIONS_OVERFLOW: a message's chunk extensions passed
  // kMaxChunkExtensions bytes (strict mode only; v12 had no limit).
  static constexpr int kChunkExtensionsOverflow = 1001;
  static constexpr size_t kMaxChunkExtensions = 16384;

  Parser(ParserType type, const ParserOptions& options, ParserEvents* events);
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  ParseResult Execute(std::string_view data);
  // End of input (EOF). Completes a message whose body runs to EOF.
  ParseResult Finish();
  // Back to the start state; the next byte begins a new message.
  void Reset();
  // As a new parser of the same type and options, reporting to `events` (a pooled
  // parser lent to another connection). The copy count starts again at 0.
  void Rebind(ParserEvents* events);

  uint64_t copied_bytes() const { return copied_bytes_; }
  bool in_message() const { return head_ != nullptr; }
  bool in_head() const { return head_ != nullptr && !headers_done_; }

 private:
  struct Callbacks;
  enum class Field : uint8_t { kNone, kUrl, kStatus, kName, kValue };

  int OnSpan(Field field, const char* at, size_t len);
  int OnSpanComplete(Field field);
  void SaveOpenSpan();
  void Store(Field field, std::string_view value);
  int Fail(int error, const char* code, const char* reason);
  bool FollowsLineBreak(const char* at) const;
  char ByteBefore(const char* at, size_t back) const;
  int Machine(const char* p, const char* end);
  int RunMachine(const char* p, const char* end);
  int FeedVersion(const char* p, const char* end);
  int CountHeaderBytes(size_t len);
  int CountChunkExtensionBytes(size_t len);

  struct llhttp_impl;
  std::unique_ptr<llhttp_impl> impl_;
  ParserEvents* events_;
  ParserOptions options_;
  MessageHead* head_ = nullptr;
  bool headers_done_ = false;
  bool input_retained_ = false;
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
  int user_error_ = 0;          // an error a callback raised (Fail), for Execute
  const char* user_code_ = "";
  const char* user_reason_ = "";
  std::string_view pending_name_;
  size_t header_bytes_ = 0;
  size_t chunk_extension_bytes_ = 0;
  uint64_t copied_bytes_ = 0;
};

}  // namespace http

#endif  // HTTP_PARSER_H_
