#include "benchmarks/soak_reader.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <string>

#include "benchmarks/soak_pattern.h"

namespace soak {

namespace {

constexpr size_t kMaxHead = 16384;
constexpr size_t kMaxLine = 1024;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

void ResponseReader::Start(const std::string* literal, uint64_t seed, uint64_t length) {
  state_ = State::kHead;
  literal_ = literal;
  seed_ = seed;
  expected_ = literal ? literal->size() : length;
  offset_ = remaining_ = 0;
  status_ = 0;
  close_ = false;
  line_.clear();
  error_.clear();
}

bool ResponseReader::Fail(std::string why) {
  if (error_.empty()) error_ = std::move(why);
  return false;
}

size_t ResponseReader::Feed(const char* p, size_t n) {
  size_t i = 0;
  while (i < n && state_ != State::kDone && !failed()) {
    switch (state_) {
      case State::kHead: {
        line_.push_back(p[i++]);
        if (line_.size() >= 4 && line_.compare(line_.size() - 4, 4, "\r\n\r\n") == 0) {
          if (ParseHead()) line_.clear();
        } else if (line_.size() > kMaxHead) {
          Fail("a response head over 16 KiB");
        }
        break;
      }
      case State::kLength:
      case State::kData: {
        size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, n - i));
        if (!Body(p + i, take)) break;
        i += take;
        remaining_ -= take;
        if (remaining_ == 0) {
          if (state_ == State::kLength) Finish();
          else state_ = State::kDataEnd;
        }
        break;
      }
      case State::kDataEnd:
        // The CRLF after a chunk's data, taken byte by byte: it may arrive split.
        line_.push_back(p[i++]);
        if (line_.size() == 2) {
          if (line_ != "\r\n") Fail("a chunk's data not followed by CRLF");
          line_.clear();
          state_ = State::kSize;
        }
        break;
      case State::kSize:
      case State::kTrailers: {
        line_.push_back(p[i++]);
        if (line_.size() > kMaxLine) {
          Fail("a chunk-size or trailer line over 1 KiB");
        } else if (line_.size() >= 2 && line_.compare(line_.size() - 2, 2, "\r\n") == 0) {
          std::string_view line(line_.data(), line_.size() - 2);
          if (state_ == State::kTrailers) {
            if (line.empty()) Finish();
          } else {
            std::string_view digits = line.substr(0, line.find(';'));
            auto [end, ec] =
                std::from_chars(digits.data(), digits.data() + digits.size(), remaining_, 16);
            if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
              Fail("a bad chunk-size line '" + std::string(line) + "'");
            } else {
              state_ = remaining_ == 0 ? State::kTrailers : State::kData;
            }
          }
          line_.clear();
        }
        break;
      }
      case State::kDone:
        break;
    }
  }
  return i;
}

bool ResponseReader::ParseHead() {
  std::string_view head(line_);
  if (head.size() < 12 || head.substr(0, 5) != "HTTP/" || head[8] != ' ' ||
      !std::isdigit(static_cast<unsigned char>(head[9]))) {
    return Fail("not a response head: '" + std::string(head.substr(0, 40)) + "'");
  }
  status_ = (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
  bool chunked = false, have_length = false;
  uint64_t length = 0;
  size_t pos = head.find("\r\n") + 2;
  while (pos < head.size() - 2) {
    size_t eol = head.find("\r\n", pos);
    std::string_view field = head.substr(pos, eol - pos);
    pos = eol + 2;
    size_t colon = field.find(':');
    if (colon == std::string_view::npos) return Fail("a header line without a colon");
    std::string name = Lower(field.substr(0, colon));
    std::string value = Lower(Trim(field.substr(colon + 1)));
    if (name == "transfer-encoding") {
      chunked = value == "chunked";
    } else if (name == "content-length") {
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
      if (ec != std::errc() || end != value.data() + value.size()) {
        return Fail("a bad Content-Length '" + value + "'");
      }
      have_length = true;
    } else if (name == "connection") {
      close_ = value.find("close") != std::string::npos;
    }
  }
  if (status_ < 200) {  // an interim response: the final one follows
    state_ = State::kHead;
    return true;
  }
  if (chunked) {
    state_ = State::kSize;
  } else if (have_length) {
    remaining_ = length;
    state_ = State::kLength;
    if (length == 0) Finish();
  } else {
    return Fail("a response with neither Content-Length nor chunked");
  }
  return true;
}

bool ResponseReader::Body(const char* p, size_t n) {
  if (status_ != 200) {  // the status is the error; its body is not checked
    offset_ += n;
    return true;
  }
  for (size_t k = 0; k < n; ++k, ++offset_) {
    if (offset_ >= expected_) {
      return Fail("a body longer than the " + std::to_string(expected_) + " bytes expected");
    }
    char want = literal_ ? (*literal_)[offset_] : SoakByte(seed_, offset_);
    if (p[k] != want) {
      char why[128];
      std::snprintf(why, sizeof why, "body byte %llu of %llu is 0x%02x, expected '%c'",
                    static_cast<unsigned long long>(offset_),
                    static_cast<unsigned long long>(expected_),
                    static_cast<unsigned char>(p[k]), want);
      return Fail(why);
    }
  }
  return true;
}

void ResponseReader::Finish() {
  if (status_ == 200 && offset_ != expected_) {
    Fail("a body of " + std::to_string(offset_) + " bytes, expected " +
         std::to_string(expected_));
  }
  state_ = State::kDone;
}

}  // namespace soak
