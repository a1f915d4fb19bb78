#include "tests/client_conformance/script.h"

#include <cctype>
#include <stdexcept>
#include <vector>

namespace client_conformance {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  // Only ASCII letters: JavaScript's toLowerCase maps no latin1 character outside
  // them onto one, so the patterns below find the same places.
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Where `pattern` is followed by spaces and at least one digit in `text`, as the
// regular expression /PATTERN *(\d+)/ finds it: the first place it matches whole.
// Sets `value` (saturated: a length beyond any buffer is as good as infinite).
bool FindNumberAfter(const std::string& text, std::string_view pattern, uint64_t* value) {
  for (size_t at = text.find(pattern); at != std::string::npos; at = text.find(pattern, at + 1)) {
    size_t i = at + pattern.size();
    while (i < text.size() && text[i] == ' ') ++i;
    if (i >= text.size() || !IsDigit(text[i])) continue;
    uint64_t n = 0;
    for (; i < text.size() && IsDigit(text[i]); ++i) {
      n = n > (uint64_t{1} << 50) ? n : n * 10 + static_cast<uint64_t>(text[i] - '0');
    }
    *value = n;
    return true;
  }
  return false;
}

// Whether `pattern`, then spaces, then `word` occur in `text` (/PATTERN *WORD/).
bool FindWordAfter(const std::string& text, std::string_view pattern, std::string_view word) {
  for (size_t at = text.find(pattern); at != std::string::npos; at = text.find(pattern, at + 1)) {
    size_t i = at + pattern.size();
    while (i < text.size() && text[i] == ' ') ++i;
    if (text.compare(i, word.size(), word) == 0) return true;
  }
  return false;
}

std::string Replace(std::string_view bytes, const std::string& from, const std::string& to) {
  std::string out;
  size_t pos = 0;
  for (size_t at = bytes.find(from); at != std::string_view::npos; at = bytes.find(from, pos)) {
    out.append(bytes.substr(pos, at - pos)).append(to);
    pos = at + from.size();
  }
  out.append(bytes.substr(pos));
  return out;
}

// A directive word's "=MS": -1 when there is none, -2 when it is not digits.
int Milliseconds(std::string_view rest) {
  if (rest.empty()) return -1;
  if (rest[0] != '=' || rest.size() == 1 || rest.size() > 10) return -2;  // 9 digits at most
  int ms = 0;
  for (char c : rest.substr(1)) {
    if (!IsDigit(c)) return -2;
    ms = ms * 10 + (c - '0');
  }
  return ms;
}

}  // namespace

long HeadLength(std::string_view bytes) {
  size_t end = bytes.find("\r\n\r\n");
  return end == std::string_view::npos ? -1 : static_cast<long>(end + 4);
}

long RequestLength(std::string_view bytes) {
  size_t head_end = bytes.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return -1;
  const std::string head = Lower(bytes.substr(0, head_end));
  const size_t body_start = head_end + 4;
  uint64_t length = 0;
  if (FindNumberAfter(head, "\r\ncontent-length:", &length)) {
    const uint64_t end = body_start + length;
    return end <= bytes.size() ? static_cast<long>(end) : -1;
  }
  if (FindWordAfter(head, "\r\ntransfer-encoding:", "chunked")) {
    // From the head's last CRLF, so that an empty body ("0\r\n\r\n") is found too.
    size_t last = bytes.find("\r\n0\r\n\r\n", body_start - 2);
    return last == std::string_view::npos ? -1 : static_cast<long>(last + 7);
  }
  return static_cast<long>(body_start);
}

bool FramingEnds(std::string_view bytes) {
  const std::string head = Lower(bytes.substr(0, bytes.find("\r\n\r\n")));
  if (head.find("\r\ncontent-length:") != std::string::npos ||
      head.find("\r\ntransfer-encoding:") != std::string::npos) {
    return false;
  }
  if (bytes.size() >= 13 && bytes.substr(0, 9) == "HTTP/1.1 " && bytes[12] == ' ') {
    std::string_view status = bytes.substr(9, 3);
    if ((status[0] == '1' && IsDigit(status[1]) && IsDigit(status[2])) || status == "204" ||
        status == "304") {
      return false;
    }
  }
  return true;
}

Plan ParseResponse(std::string_view text) {
  Plan plan;
  plan.bytes = std::string(text);
  bool end_set = false;
  if (!text.empty() && text[0] == '!') {
    const size_t eol = text.find('\n') == std::string_view::npos ? text.size() : text.find('\n');
    plan.bytes = eol < text.size() ? std::string(text.substr(eol + 1)) : std::string();
    std::string_view line = text.substr(1, eol - 1);
    for (;;) {
      const size_t space = line.find(' ');
      std::string_view word = line.substr(0, space);
      if (!word.empty()) {
        const size_t eq = word.find('=');
        std::string_view name = word.substr(0, eq);
        const int ms = Milliseconds(eq == std::string_view::npos ? "" : word.substr(eq));
        if (name == "delay" && ms >= 0) {
          plan.delay_ms = ms;
        } else if ((name == "fin" || name == "reset") && ms >= -1 && !end_set) {
          plan.end = name == "fin" ? Plan::End::kFin : Plan::End::kReset;
          plan.end_delay_ms = ms < 0 ? 0 : ms;
          end_set = true;
        } else if (name == "keep" && ms == -1 && !end_set) {
          plan.end = Plan::End::kKeep;
          end_set = true;
        } else if (name == "head" && ms == -1) {
          plan.on_head = true;
        } else {
          throw std::invalid_argument("bad directive \"" + std::string(word) + "\" in \"" +
                                      std::string(text.substr(0, eol)) + "\"");
        }
      }
      if (space == std::string_view::npos) break;
      line.remove_prefix(space + 1);
    }
  }
  if (!end_set) plan.end = FramingEnds(plan.bytes) ? Plan::End::kFin : Plan::End::kKeep;
  return plan;
}

std::string NamePort(std::string_view bytes, uint16_t port) {
  return Replace(bytes, ":" + std::to_string(port), ":PORT");
}

std::string FillPort(std::string_view bytes, uint16_t port) {
  return Replace(bytes, ":PORT", ":" + std::to_string(port));
}

}  // namespace client_conformance
