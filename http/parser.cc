#include "http/parser.h"

#include <llhttp.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <exception>
#include <utility>

#include "http/request_rules.h"

// The strict machine: llhttp.c built again with LLHTTP_STRICT_MODE and its symbols
// prefixed (third_party/llhttp.BUILD). It shares llhttp_t, the settings and the
// callbacks with the ordinary one; only its init and execute differ.
extern "C" int strict_llhttp__internal_init(llhttp_t* state);
extern "C" int strict_llhttp__internal_execute(llhttp_t* state, const char* p, const char* endp);

namespace http {
namespace {

// llhttp_init / llhttp_reset / llhttp_execute (api.c) for the strict machine.
void StrictReset(llhttp_t* p) {
  llhttp_type_t type = static_cast<llhttp_type_t>(p->type);
  void* settings = p->settings;
  void* data = p->data;
  uint8_t lenient_flags = p->lenient_flags;
  strict_llhttp__internal_init(p);
  p->type = type;
  p->settings = settings;
  p->data = data;
  p->lenient_flags = lenient_flags;
}
}  // namespace

// --- llhttp glue -----------------------------------------------------------------

struct Parser::llhttp_impl {
  llhttp_t parser;
};

struct Parser::Callbacks {
  static Parser* Self(llhttp_t* p) { return static_cast<Parser*>(p->data); }

  // Runs an event of the caller's. An exception must not unwind through llhttp's C
  // frames: it is kept, llhttp stops with an error, and Execute() (or Finish())
  // rethrows it once llhttp has returned.
  template <typename Fn>
  static int Guard(Parser* self, Fn&& fn) {
    try {
      return fn();
    } catch (...) {
      self->exception_ = std::current_exception();
      return HPE_USER;
    }
  }

  static int MessageBegin(llhttp_t* p) {
    Parser* self = Self(p);
    if (Guard(self, [&] {
          self->head_ = self->events_->OnMessageBegin();
          return 0;
        }) != 0) {
      return HPE_USER;
    }
    self->head_->Clear();
    self->headers_done_ = false;
    self->input_views_ = false;
    self->input_retained_ = false;
    self->first_header_in_input_ = 0;
    self->first_trailer_in_input_ = 0;
    self->header_bytes_ = 0;
    self->chunk_extension_bytes_ = 0;
    self->open_field_ = Field::kNone;
    self->version_scan_ = VersionScan::kIdle;
    self->version_replaced_ = false;
    if (self->response_ && !self->options_.lenient) {
      // The status line is watched from its first byte (FeedStatusLine).
      self->status_scan_ = StatusScan::kPaused;
      return HPE_PAUSED;
    }
    return 0;
  }
  static int Url(llhttp_t* p, const char* at, size_t len) {
    return Self(p)->OnSpan(Field::kUrl, at, len);
  }
  static int Status(llhttp_t* p, const char* at, size_t len) {
    return Self(p)->OnSpan(Field::kStatus, at, len);
  }
  static int HeaderField(llhttp_t* p, const char* at, size_t len) {
    return Self(p)->OnSpan(Field::kName, at, len);
  }
  static int HeaderValue(llhttp_t* p, const char* at, size_t len) {
    return Self(p)->OnSpan(Field::kValue, at, len);
  }
  static int UrlComplete(llhttp_t* p) {
    Parser* self = Self(p);
    if (int r = self->OnSpanComplete(Field::kUrl); r != 0) return r;
    if (!self->options_.lenient) return 0;
    // Stop here, so that RunMachine feeds the version's digits itself.
    self->version_scan_ = VersionScan::kPaused;
    return HPE_PAUSED;
  }
  static int StatusComplete(llhttp_t* p) { return Self(p)->OnSpanComplete(Field::kStatus); }
  static int FieldComplete(llhttp_t* p) { return Self(p)->OnSpanComplete(Field::kName); }
  static int ValueComplete(llhttp_t* p) { return Self(p)->OnSpanComplete(Field::kValue); }
  static int VersionComplete(llhttp_t* p) {
    Self(p)->has_version_ = true;
    return 0;
  }

  static int HeadersComplete(llhttp_t* p) {
    Parser* self = Self(p);
    MessageHead& h = *self->head_;
    bool strict_request = !self->options_.lenient && p->type == HTTP_REQUEST;
    h.method = p->method;
    h.status = p->status_code;
    h.http_major = self->version_replaced_ ? self->sent_major_ : p->http_major;
    h.http_minor = self->version_replaced_ ? self->sent_minor_ : p->http_minor;
    if (strict_request) self->ApplyConnectionOptions();
    h.keep_alive = llhttp_should_keep_alive(p) != 0;
    h.upgrade = p->upgrade != 0;
    h.chunked = (p->flags & F_CHUNKED) != 0;
    h.has_content_length = (p->flags & F_CONTENT_LENGTH) != 0;
    h.content_length = p->content_length;
    self->headers_done_ = true;
    self->header_bytes_ = 0;
    self->pending_name_ = {};  // the head's last name has its value: trailers start afresh
    // The head is complete: its input is kept (the views rule) before anything else,
    // a refused head included.
    if (Guard(self, [&] {
          self->RetainInputIfViewed();
          return 0;
        }) != 0) {
      return -1;  // an error for on_headers_complete
    }
    if (strict_request) {
      // Before the head is handed on: a request that breaks one of RFC 9112's rules
      // never reaches the caller.
      RuleBreak broken = CheckRequestHead(h, self->has_version_);
      if (broken.status != 0) {
        self->Fail(kRuleBroken, broken.code, broken.reason, broken.status);
        return -1;
      }
    }
    int r = Guard(self, [&] { return self->events_->OnHeadersComplete(h); });
    if (r == HPE_USER) return -1;
    if (r == 2) return 2;  // llhttp: stop after this head (upgrade), see Execute
    if (r == 1) return 1;
    return h.chunked ? self->PauseBeforeChunkLine() : 0;
  }
  static int Body(llhttp_t* p, const char* at, size_t len) {
    Parser* self = Self(p);
    return Guard(self, [&] {
      self->events_->OnBody(std::string_view(at, len));
      return 0;
    });
  }
  static int ChunkHeader(llhttp_t* p) {
    Parser* self = Self(p);
    self->header_bytes_ = 0;  // as Node: trailers are counted afresh
    self->last_chunk_ = p->content_length == 0;
    return 0;
  }
  static int ChunkComplete(llhttp_t* p) {
    Parser* self = Self(p);
    self->header_bytes_ = 0;
    return self->last_chunk_ ? 0 : self->PauseBeforeChunkLine();
  }
  static int MessageComplete(llhttp_t* p) {
    Parser* self = Self(p);
    return Guard(self, [&] {
      self->RetainInputIfViewed();
      MessageHead* h = self->head_;
      self->head_ = nullptr;
      self->open_field_ = Field::kNone;
      self->events_->OnMessageComplete(*h);
      bool stop = self->stop_after_message_;
      self->stop_after_message_ = false;
      // (After an upgrade, or a head the events asked to end with (2), llhttp's own
      // pause ends Execute: the rest is not HTTP.)
      if (!stop || p->upgrade) return 0;
      self->stopped_ = true;
      return static_cast<int>(HPE_PAUSED);  // Execute ends here (result.stopped)
    });
  }

  static const llhttp_settings_t* Settings() {
    static const llhttp_settings_t settings = [] {
      llhttp_settings_t s;
      llhttp_settings_init(&s);
      s.on_message_begin = MessageBegin;
      s.on_url = Url;
      s.on_status = Status;
      s.on_header_field = HeaderField;
      s.on_header_value = HeaderValue;
      s.on_url_complete = UrlComplete;
      s.on_status_complete = StatusComplete;
      s.on_header_field_complete = FieldComplete;
      s.on_header_value_complete = ValueComplete;
      s.on_headers_complete = HeadersComplete;
      s.on_body = Body;
      s.on_version_complete = VersionComplete;
      s.on_chunk_header = ChunkHeader;
      s.on_chunk_complete = ChunkComplete;
      s.on_message_complete = MessageComplete;
      return s;
    }();
    return &settings;
  }
};

Parser::Parser(ParserType type, const ParserOptions& options, ParserEvents* events)
    : impl_(std::make_unique<llhttp_impl>()),
      events_(events),
      options_(options),
      response_(type == ParserType::kResponse) {
  llhttp_init(&impl_->parser, type == ParserType::kRequest ? HTTP_REQUEST : HTTP_RESPONSE,
              Callbacks::Settings());
  impl_->parser.data = this;
  Reset();
}

Parser::~Parser() = default;

// Lenient mode is v12.22.9's insecureHTTPParser: any byte in header values, and any
// Transfer-Encoding (chunked only when last; otherwise a request body runs to EOF).
// Content-Length with Transfer-Encoding stays an error, as in v12. A message that
// closes the connection (HTTP/1.0, Connection: close) does not stop the parsing
// (llhttp's lenient keep-alive): v12 parsed the requests after it and emitted them.
//
// The default mode is the strict machine plus the checks current Node adds (see
// OnSpan) and RFC 9112's rules (http/request_rules.h). After a message that closes
// the connection nothing more is parsed: a later byte other than CR or LF fails with
// HPE_CLOSED_CONNECTION, which the caller discards (http/server_connection.h).
void Parser::Reset() {
  if (options_.lenient) {
    llhttp_reset(&impl_->parser);
    llhttp_set_lenient_headers(&impl_->parser, 1);
    llhttp_set_lenient_transfer_encoding(&impl_->parser, 1);
    llhttp_set_lenient_keep_alive(&impl_->parser, 1);
  } else {
    StrictReset(&impl_->parser);
  }
  chunk_scan_ = ChunkScan::kIdle;
  last_chunk_ = false;
  stop_after_message_ = stopped_ = false;
  has_version_ = false;
  version_scan_ = VersionScan::kIdle;
  version_replaced_ = false;
  status_scan_ = StatusScan::kIdle;
  head_ = nullptr;
  headers_done_ = false;
  open_field_ = Field::kNone;
}

void Parser::Rebind(ParserEvents* events) {
  events_ = events;
  Reset();
  input_retained_ = false;
  input_begin_ = input_end_ = nullptr;
  stream_pos_ = 0;
  tail_len_ = 0;
  tail_in_line_start_ = false;
  pending_name_ = {};
  header_bytes_ = 0;
  chunk_extension_bytes_ = 0;
  copied_bytes_ = 0;
}

int Parser::Fail(int error, const char* code, const char* reason, uint16_t status) {
  user_error_ = error;
  user_code_ = code;
  user_reason_ = reason;
  user_status_ = status;
  llhttp_set_error_reason(&impl_->parser, reason);
  return HPE_USER;
}

// An error found outside the machine (in a chunk-size line): the machine is failed as
// if it had found it, so that it parses nothing more until Reset().
int Parser::FailAt(const char* at, int error, const char* code, const char* reason,
                   uint16_t status) {
  Fail(error, code, reason, status);
  llhttp_t* lp = &impl_->parser;
  lp->error = HPE_USER;
  lp->error_pos = at;
  return HPE_USER;
}

// The Connection options as RFC 9110 reads them: llhttp 8.1 misses an option that a
// tab follows ("close\t", "upgrade\t"), and would keep such a connection open, or
// read an upgrade's first bytes as a request. (Runs from on_headers_complete, before
// llhttp reads `upgrade` to decide whether the message ends at its head.)
void Parser::ApplyConnectionOptions() {
  llhttp_t* lp = &impl_->parser;
  ConnectionOptions o = ReadConnectionOptions(head_->headers);
  if (o.close) lp->flags |= F_CONNECTION_CLOSE;
  if (o.keep_alive) lp->flags |= F_CONNECTION_KEEP_ALIVE;
  if (o.upgrade && (lp->flags & F_UPGRADE) != 0) {
    lp->flags |= F_CONNECTION_UPGRADE;
    lp->upgrade = 1;  // a request's: llhttp__before_headers_complete's rule
  }
}

void Parser::StopAfterMessage() { stop_after_message_ = true; }

void Parser::CloseAfterMessage() {
  llhttp_t* lp = &impl_->parser;
  lp->flags |= F_CONNECTION_CLOSE;
  lp->flags &= ~F_CONNECTION_KEEP_ALIVE;  // (HTTP/1.0 keeps alive only on it)
  if (head_ != nullptr) head_->keep_alive = false;
}

// A chunk-size line comes next: the machine stops before it, so that RunMachine reads
// the line's extensions itself (FeedChunkLine).
int Parser::PauseBeforeChunkLine() {
  chunk_scan_ = ChunkScan::kPaused;
  return HPE_PAUSED;
}

// One run of the machine (lenient: llhttp's own; default: the strict one).
int Parser::Machine(const char* p, const char* end) {
  llhttp_t* lp = &impl_->parser;
  if (options_.lenient) return llhttp_execute(lp, p, static_cast<size_t>(end - p));
  return strict_llhttp__internal_execute(lp, p, end);
}

// The machine over an input, with the bytes it must not judge alone fed through
// FeedVersion (a request line's version, lenient mode: UrlComplete pauses the machine
// where it begins) and FeedChunkLine (a chunk-size line: PauseBeforeChunkLine).
int Parser::RunMachine(const char* p, const char* end) {
  llhttp_t* lp = &impl_->parser;
  int err = version_scan_ != VersionScan::kIdle ? FeedVersion(p, end)
            : chunk_scan_ != ChunkScan::kIdle   ? FeedChunkLine(p, end)
            : status_scan_ != StatusScan::kIdle ? FeedStatusLine(p, end)
                                                : Machine(p, end);
  while (err == HPE_PAUSED) {
    const char* at = llhttp_get_error_pos(lp);
    if (version_scan_ == VersionScan::kPaused) {
      llhttp_resume(lp);
      version_scan_ = VersionScan::kSpace;
      protocol_matched_ = 0;
      err = FeedVersion(at, end);
    } else if (chunk_scan_ == ChunkScan::kPaused) {
      llhttp_resume(lp);
      chunk_scan_ = ChunkScan::kSize;
      chunk_digits_ = false;
      err = FeedChunkLine(at, end);
    } else if (status_scan_ == StatusScan::kPaused) {
      llhttp_resume(lp);
      status_scan_ = StatusScan::kVersion;
      status_digits_ = 0;
      status_last_ = 0;
      err = FeedStatusLine(at, end);
    } else {
      break;
    }
  }
  return err;
}

// A chunk-size line: its size digits and its end go to the machine, which so sees
// "SIZE\r\n"; the extensions between them (from a ";", a space or a tab on) are read
// by ChunkExtensions, in RFC 9112's grammar or, lenient, in v12's. A line with
// anything else after its digits is the machine's to judge.
int Parser::FeedChunkLine(const char* p, const char* end) {
  const char* q = p;
  if (chunk_scan_ == ChunkScan::kSize) {
    while (q < end && std::isxdigit(static_cast<unsigned char>(*q))) ++q;
    chunk_digits_ |= q != p;
    if (q == end) return Machine(p, end);
    if (!chunk_digits_ || (*q != ';' && *q != ' ' && *q != '\t')) {
      chunk_scan_ = ChunkScan::kIdle;
      return Machine(p, end);
    }
    if (int err = Machine(p, q); err != 0) return err;
    chunk_scan_ = ChunkScan::kExtensions;
    extensions_.Begin(options_.lenient ? ChunkExtensions::Grammar::kV12
                                       : ChunkExtensions::Grammar::kRfc9112);
  }
  const char* stop = extensions_.Scan(q, end);
  // As current Node: a message's chunk extensions may not pass 16 KiB in all. v12
  // had no such limit, so lenient mode has none either.
  // (Counted up to where the extensions end, or to the byte that fails them, so that
  // which error comes first does not depend on where the receives cut the line.)
  if (!options_.lenient) {
    const char* upto = stop != nullptr ? stop : extensions_.error_at();
    chunk_extension_bytes_ += static_cast<size_t>(upto - q);
    if (chunk_extension_bytes_ > kMaxChunkExtensions) {
      return FailAt(q, kChunkExtensionsOverflow, "HPE_CHUNK_EXTENSIONS_OVERFLOW",
                    "Chunk extensions overflow", 413);
    }
  }
  if (stop == nullptr) {
    bool size = extensions_.bad_size();
    return FailAt(extensions_.error_at(), size ? HPE_INVALID_CHUNK_SIZE : HPE_STRICT,
                  size ? "HPE_INVALID_CHUNK_SIZE" : "HPE_STRICT", extensions_.reason());
  }
  if (stop == end) return 0;
  chunk_scan_ = ChunkScan::kIdle;
  return Machine(stop, end);  // the line's CR on
}

// A response's status line, in the default mode, as current Node reads it where
// llhttp 8.1 is laxer: a status of exactly three digits ("0200" is not 200), and CR LF
// at the end of the line. The bytes are only watched: the machine parses them as
// they are, once the line ends (or the input does).
int Parser::FeedStatusLine(const char* p, const char* end) {
  for (const char* q = p; q < end; ++q) {
    char c = *q;
    switch (status_scan_) {
      case StatusScan::kVersion:
        if (c == ' ') status_scan_ = StatusScan::kCode;
        break;
      case StatusScan::kCode:
        if (c >= '0' && c <= '9' && status_digits_ < 4) {
          ++status_digits_;
          break;
        }
        if (status_digits_ != 3) {
          // What llhttp finds wrong before this byte is the error, as it would be had
          // the line come in pieces.
          if (int err = Machine(p, q); err != 0) return err;
          return FailAt(q, HPE_INVALID_STATUS, "HPE_INVALID_STATUS", "Invalid response status");
        }
        status_scan_ = StatusScan::kText;
        [[fallthrough]];
      case StatusScan::kText:
        if (c == '\n') {
          if (status_last_ != '\r') {
            if (int err = Machine(p, q); err != 0) return err;
            return FailAt(q, HPE_CR_EXPECTED, "HPE_CR_EXPECTED",
                          "Missing expected CR after response line");
          }
          status_scan_ = StatusScan::kIdle;
          return Machine(p, end);
        }
        break;
      case StatusScan::kIdle:
      case StatusScan::kPaused:
        break;
    }
    status_last_ = c;
  }
  return Machine(p, end);
}

// v12 (llhttp 2.1.4) took any digit for the major and the minor version; llhttp 8.1
// rejects all but 0.9, 1.0, 1.1 and 2.0. An other version is fed as the one llhttp
// treats alike (the keep-alive rules look at major > 0 and minor > 0): major 2-9 as
// 1; then a minor llhttp would refuse as 9 after 0 (0.x), else as 1 (x.y, y > 0).
// Only the bytes right after the URL are looked at: " HTTP/" and two digits around a
// dot (an HTTP/0.9 request line has none: its URL ends the line).
int Parser::FeedVersion(const char* p, const char* end) {
  static constexpr char kDigits[] = "0123456789";
  static constexpr std::string_view kProtocol = "HTTP/";
  const char* from = p;
  for (const char* q = p; q < end && version_scan_ != VersionScan::kIdle; ++q) {
    char c = *q;
    bool digit = c >= '0' && c <= '9';
    char fed = c;
    switch (version_scan_) {
      case VersionScan::kSpace:
        if (c == ' ') continue;
        version_scan_ = VersionScan::kProtocol;
        [[fallthrough]];
      case VersionScan::kProtocol:
        if (c != kProtocol[protocol_matched_]) {
          version_scan_ = VersionScan::kIdle;
        } else if (++protocol_matched_ == kProtocol.size()) {
          version_scan_ = VersionScan::kMajor;
        }
        continue;
      case VersionScan::kMajor:
        if (!digit) {
          version_scan_ = VersionScan::kIdle;
          continue;
        }
        sent_major_ = static_cast<uint8_t>(c - '0');
        fed = c > '1' ? '1' : c;
        fed_major_ = fed;
        version_scan_ = VersionScan::kDot;
        break;
      case VersionScan::kDot:
        version_scan_ = c == '.' ? VersionScan::kMinor : VersionScan::kIdle;
        continue;
      case VersionScan::kMinor:
        version_scan_ = VersionScan::kIdle;
        if (!digit) continue;
        sent_minor_ = static_cast<uint8_t>(c - '0');
        if (fed_major_ == '0' ? c != '9' : (c != '0' && c != '1')) {
          fed = fed_major_ == '0' ? '9' : '1';
        }
        break;
      case VersionScan::kIdle:
      case VersionScan::kPaused:
        continue;
    }
    if (fed == c) continue;
    version_replaced_ = true;
    if (int err = Machine(from, q); err != 0) return err;
    if (int err = Machine(&kDigits[fed - '0'], &kDigits[fed - '0'] + 1); err != 0) return err;
    from = q + 1;
  }
  return Machine(from, end);
}

ParseResult Parser::Execute(std::string_view data) {
  input_views_ = false;
  input_retained_ = false;
  input_begin_ = data.data();
  input_end_ = data.data() + data.size();
  if (head_ != nullptr) {
    first_header_in_input_ = head_->headers.size();
    first_trailer_in_input_ = head_->trailers.size();
  }
  llhttp_t* p = &impl_->parser;
  user_error_ = 0;
  user_status_ = 400;
  stopped_ = false;
  llhttp_errno_t err =
      static_cast<llhttp_errno_t>(RunMachine(data.data(), data.data() + data.size()));
  size_t stopped_at = 0;
  if (stopped_) {
    // Between two messages: the machine goes on from there at the next Execute, and
    // what follows was not read (the stream position and tail end at the stop).
    stopped_at = static_cast<size_t>(llhttp_get_error_pos(p) - data.data());
    llhttp_resume(p);
    err = HPE_OK;
    data = data.substr(0, stopped_at);
  }
  // Keep the stream position and the input's last bytes (FollowsLineBreak).
  stream_pos_ += data.size();
  {
    size_t i = data.size();
    while (i > 0 && (data[i - 1] == ' ' || data[i - 1] == '\t')) --i;
    if (i > 0) tail_in_line_start_ = data[i - 1] == '\n';
  }
  size_t keep = std::min(data.size(), sizeof(tail_));
  if (keep < sizeof(tail_)) {
    size_t old = std::min(tail_len_, sizeof(tail_) - keep);
    std::memmove(tail_, tail_ + tail_len_ - old, old);
    tail_len_ = old;
  } else {
    tail_len_ = 0;
  }
  std::memcpy(tail_ + tail_len_, data.data() + data.size() - keep, keep);
  tail_len_ += keep;
  ParseResult result;
  result.consumed = data.size();
  if (err != HPE_PAUSED_UPGRADE) MoveViewsToArena();
  if (exception_) std::rethrow_exception(std::exchange(exception_, nullptr));
  if (stopped_) result.stopped = true;
  if (err == HPE_OK) return result;
  const char* error_pos = llhttp_get_error_pos(p);
  // (An error in a version digit FeedVersion fed points outside the input.)
  if (error_pos < data.data() || error_pos > data.data() + data.size()) error_pos = data.data();
  result.consumed = static_cast<size_t>(error_pos - data.data());
  if (err == HPE_PAUSED_UPGRADE) {
    // The head of a CONNECT or Upgrade request that the caller takes over: what
    // follows it is not HTTP.
    result.upgraded = true;
    llhttp_resume_after_upgrade(p);
    return result;
  }
  const char* reason = llhttp_get_error_reason(p);
  result.error = err;
  result.status = 400;
  if (user_error_ != 0) {
    result.error = user_error_;
    result.code = user_code_;
    result.reason = user_reason_;
    result.status = user_status_;
  } else {
    result.code = llhttp_errno_name(err);
    result.reason = reason != nullptr ? reason : "";
    // A well-formed version the strict machine does not know, whose major is not 1
    // ("HTTP/3.0"): RFC 9112's 505. An unknown minor ("HTTP/1.7") stays current Node's
    // 400, as does a malformed version ("HTTP/31.1", which llhttp words otherwise).
    if (err == HPE_INVALID_VERSION && !options_.lenient && p->type == HTTP_REQUEST &&
        p->http_major != 1 && std::strcmp(result.reason, "Invalid HTTP version") == 0) {
      result.status = 505;
    }
  }
  return result;
}

ParseResult Parser::Finish() {
  ParseResult result;
  llhttp_errno_t err = llhttp_finish(&impl_->parser);
  if (exception_) std::rethrow_exception(std::exchange(exception_, nullptr));
  // A message the end completed, and StopAfterMessage() paused after: no error.
  result.stopped = err == HPE_PAUSED && stopped_;
  stopped_ = false;
  if (err != HPE_OK && !result.stopped) {
    result.error = err;
    result.status = 400;
    result.code = llhttp_errno_name(err);
    const char* reason = llhttp_get_error_reason(&impl_->parser);
    result.reason = reason != nullptr ? reason : "";
  }
  return result;
}

}  // namespace http
