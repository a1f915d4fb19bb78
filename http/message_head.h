// The storage of a parsed message: its head's views (MessageHead), the arena that
// holds the fields copied out of receive buffers, and the moves of views out of a
// receive buffer (ViewMove). http/parser.h fills it; http/exchange.h moves it.
// Loop-thread only.
#ifndef HTTP_MESSAGE_HEAD_H_
#define HTTP_MESSAGE_HEAD_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace http {

// Stable storage for the rare copied field. Spans never move once Finish() returned
// their view; blocks are kept until Reset(). Blocks grow from kFirstBlock (a partial
// head of a few hundred bytes takes one small block) by doubling up to kBlock; a span
// larger than that gets a block of its own.
class Arena {
 public:
  static constexpr size_t kFirstBlock = 512;
  static constexpr size_t kBlock = 4096;

  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // Starts a new contiguous span, then appends to it; the span never moves once
  // Finish() returned its view.
  void Begin();
  void Append(std::string_view piece);
  std::string_view Finish();
  // A stable copy of `bytes`, also while a span is open (the open span, which
  // nothing points into yet, moves behind it).
  std::string_view Keep(std::string_view bytes);
  void Reset();
  size_t bytes() const { return total_; }

 private:
  struct Block {
    std::unique_ptr<char[]> data;
    size_t size = 0;
    size_t used = 0;
  };
  // Makes room for `more` bytes after the open span (or for a new span), moving the
  // open span to a fresh block when the last one is full.
  Block& Room(size_t more);
  std::vector<Block> blocks_;
  size_t span_start_ = 0;  // in the last block
  bool open_ = false;
  size_t total_ = 0;
};

struct HeaderView {
  std::string_view name;
  std::string_view value;
};

// Where the views into one receive buffer went when their bytes were copied out:
// spans of the buffer, each copied whole (a head's fields, its trailers').
class ViewMove {
 public:
  static constexpr int kMaxSpans = 2;
  void Add(const char* from, size_t len, const char* to);
  // v re-pointed into the copy when it lies inside a moved span; v otherwise.
  std::string_view operator()(std::string_view v) const;

 private:
  struct Span {
    const char* from;
    size_t len;
    const char* to;
  };
  Span spans_[kMaxSpans] = {};
  int count_ = 0;
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
  // Copies the bytes of `buffer` that the head's and trailers' views point at into
  // the arena (the head's span and the trailers' span, each whole), re-points those
  // views, and records the spans in *move for views kept elsewhere. Returns the
  // bytes copied.
  size_t MoveOut(std::string_view buffer, ViewMove* move);
};

// A message's httpVersion, `${major}.${minor}` (llhttp's versions are single digits;
// anything else reads "1.1"). Static storage.
std::string_view VersionString(int major, int minor);

}  // namespace http

#endif  // HTTP_MESSAGE_HEAD_H_
