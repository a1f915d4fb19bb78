#include "http/chunk_extensions.h"

#include <string_view>

namespace http {
namespace {

bool IsOws(unsigned char c) { return c == ' ' || c == '\t'; }

// RFC 9110 §5.6.2.
bool IsTchar(unsigned char c) {
  static constexpr std::string_view kOthers = "!#$%&'*+-.^_`|~";
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         kOthers.find(static_cast<char>(c)) != std::string_view::npos;
}

// qdtext (RFC 9110 §5.6.4): HTAB, SP, visible bytes but '"' and '\', and obs-text.
bool IsQdtext(unsigned char c) {
  return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5B) ||
         (c >= 0x5D && c <= 0x7E) || c >= 0x80;
}

// What may follow a backslash in a quoted value, and what v12 took as a parameter
// byte: HTAB, SP, VCHAR and obs-text.
bool IsTextByte(unsigned char c) { return c == '\t' || (c >= 0x20 && c <= 0x7E) || c >= 0x80; }

}  // namespace

void ChunkExtensions::Begin(Grammar grammar) {
  grammar_ = grammar;
  state_ = State::kStart;
  bad_size_ = false;
  reason_ = "";
  error_at_ = nullptr;
}

const char* ChunkExtensions::Fail(const char* at, bool bad_size, const char* reason) {
  state_ = State::kFailed;
  bad_size_ = bad_size;
  reason_ = reason;
  error_at_ = at;
  return nullptr;
}

const char* ChunkExtensions::Scan(const char* p, const char* end) {
  for (; p < end; ++p) {
    auto c = static_cast<unsigned char>(*p);
    switch (state_) {
      case State::kStart:
        if (grammar_ == Grammar::kV12) {
          if (c != ';' && c != ' ') return Fail(p, true, "Invalid character in chunk size");
          state_ = State::kV12Parameters;
        } else if (c == ';') {
          state_ = State::kBwsBeforeName;
        } else if (IsOws(c)) {
          state_ = State::kBwsAfterSize;
        } else {
          return Fail(p, true, "Invalid character in chunk size");
        }
        break;
      case State::kBwsAfterSize:
        if (c == ';') state_ = State::kBwsBeforeName;
        else if (!IsOws(c)) return Fail(p, true, "Invalid character in chunk size");
        break;
      case State::kBwsBeforeSemi:
        if (c == ';') state_ = State::kBwsBeforeName;
        else if (!IsOws(c)) return Fail(p, false, "Invalid character in chunk extensions");
        break;
      case State::kBwsBeforeName:
        if (IsTchar(c)) state_ = State::kName;
        else if (!IsOws(c)) return Fail(p, false, "Invalid character in chunk extensions");
        break;
      case State::kName:
        if (c == '\r') return p;
        if (c == '=') state_ = State::kBwsBeforeValue;
        else if (c == ';') state_ = State::kBwsBeforeName;
        else if (IsOws(c)) state_ = State::kBwsAfterName;
        else if (!IsTchar(c)) return Fail(p, false, "Invalid character in chunk extensions name");
        break;
      case State::kBwsAfterName:
        if (c == '=') state_ = State::kBwsBeforeValue;
        else if (c == ';') state_ = State::kBwsBeforeName;
        else if (!IsOws(c)) return Fail(p, false, "Invalid character in chunk extensions name");
        break;
      case State::kBwsBeforeValue:
        if (c == '"') state_ = State::kQuoted;
        else if (IsTchar(c)) state_ = State::kToken;
        else if (!IsOws(c)) return Fail(p, false, "Invalid character in chunk extensions value");
        break;
      case State::kToken:
        if (c == '\r') return p;
        if (c == ';') state_ = State::kBwsBeforeName;
        else if (IsOws(c)) state_ = State::kBwsBeforeSemi;
        else if (!IsTchar(c)) return Fail(p, false, "Invalid character in chunk extensions value");
        break;
      case State::kQuoted:
        if (c == '"') state_ = State::kAfterQuoted;
        else if (c == '\\') state_ = State::kQuotedPair;
        else if (!IsQdtext(c)) {
          return Fail(p, false, "Invalid character in chunk extensions quoted value");
        }
        break;
      case State::kQuotedPair:
        if (!IsTextByte(c)) {
          return Fail(p, false, "Invalid quoted-pair in chunk extensions quoted value");
        }
        state_ = State::kQuoted;
        break;
      case State::kAfterQuoted:
        if (c == '\r') return p;
        if (c == ';') state_ = State::kBwsBeforeName;
        else if (IsOws(c)) state_ = State::kBwsBeforeSemi;
        else return Fail(p, false, "Invalid character in chunk extensions quote value");
        break;
      case State::kV12Parameters:
        if (c == '\r') return p;
        if (!IsTextByte(c)) return Fail(p, false, "Invalid character in chunk parameters");
        break;
      case State::kFailed:
        return nullptr;
    }
  }
  return end;
}

}  // namespace http
