#include "http/outgoing_headers.h"

#include <charconv>
#include <limits>
#include <stdexcept>

#include "http/ascii.h"
#include "http/header_validation.h"

namespace http {
namespace {

constexpr size_t kLenSize = sizeof(uint32_t);
// Offsets and lengths are 32-bit; keep the whole arena below that.
constexpr size_t kMaxArena = std::numeric_limits<uint32_t>::max();

// A canonical array index as JavaScript defines it ("0", "17"; not "017"), whose
// keys an object lists first, in numeric order. Sets *value.
bool IsArrayIndex(std::string_view s, uint64_t* value) {
  if (s.empty() || s.size() > 10 || (s[0] == '0' && s.size() > 1)) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > 4294967294ULL) return false;
  *value = v;
  return true;
}

size_t RegionSize(const OutgoingHeaders::Entry& e) {
  return e.name.size() + e.values.size() * kLenSize + e.values.bytes();
}

// v12 joins two or more values of "Cookie" into one line.
bool JoinsValues(const OutgoingHeaders::Entry& e) {
  return e.values.size() >= 2 && EqualsIgnoreCase(e.name, "cookie");
}

std::string_view View(std::string_view s) { return s; }
std::string_view View(const std::string& s) { return s; }

}  // namespace

OutgoingHeaders::OutgoingHeaders(const OutgoingHeaders& other)
    : entries_(other.entries_), bytes_(other.bytes_) {
  Rebase(other.bytes_.data(), bytes_.data());
}

OutgoingHeaders& OutgoingHeaders::operator=(const OutgoingHeaders& other) {
  if (this != &other) {
    OutgoingHeaders copy(other);
    *this = std::move(copy);
  }
  return *this;
}

OutgoingHeaders::OutgoingHeaders(OutgoingHeaders&& other) noexcept { *this = std::move(other); }

OutgoingHeaders& OutgoingHeaders::operator=(OutgoingHeaders&& other) noexcept {
  if (this != &other) {
    const char* old = other.bytes_.data();
    entries_ = std::move(other.entries_);
    bytes_ = std::move(other.bytes_);
    Rebase(old, bytes_.data());
  }
  return *this;
}

void OutgoingHeaders::Rebase(const char* old, const char* fresh) noexcept {
  if (old == fresh) return;
  for (size_t i = 0; i < entries_.size(); ++i) {
    Entry& e = entries_.data()[i];
    e.name = {fresh + (e.name.data() - old), e.name.size()};
    e.values.table_ = fresh + (e.values.table_ - old);
  }
}

void OutgoingHeaders::set(std::string_view name, std::string_view value) {
  SetValues(name, std::span<const std::string_view>(&value, 1), false);
}

void OutgoingHeaders::set(std::string_view name, std::span<const std::string_view> values) {
  SetValues(name, values, true);
}

void OutgoingHeaders::set(std::string_view name, std::initializer_list<std::string_view> values) {
  SetValues(name, std::span<const std::string_view>(values.begin(), values.size()), true);
}

void OutgoingHeaders::set(std::string_view name, const std::vector<std::string>& values) {
  SetValues(name, values, true);
}

void OutgoingHeaders::set(std::string_view name, int64_t value) {
  char digits[24];
  char* end = std::to_chars(digits, digits + sizeof(digits), value).ptr;
  std::string_view text(digits, static_cast<size_t>(end - digits));
  SetValues(name, std::span<const std::string_view>(&text, 1), false, true);
}

bool OutgoingHeaders::Aliases(std::string_view s) const noexcept {
  auto at = reinterpret_cast<uintptr_t>(s.data());
  auto lo = reinterpret_cast<uintptr_t>(bytes_.data());
  return at >= lo && at < lo + bytes_.capacity();
}

template <typename Range>
void OutgoingHeaders::SetValues(std::string_view name, const Range& values, bool is_array,
                                bool is_number) {
  // 1. Check everything before changing anything (v12 throws before storing).
  ValidateHeaderName(name);
  size_t count = 0, value_bytes = 0;
  bool aliased = Aliases(name);
  for (const auto& v : values) {
    ValidateHeaderValue(name, View(v));
    ++count;
    value_bytes += View(v).size();
    aliased = aliased || Aliases(View(v));
  }
  // 2. Views into this store would move under the splice below: copy them first.
  if (aliased) {
    std::string owned_name(name);
    std::vector<std::string> owned_values;
    owned_values.reserve(count);
    for (const auto& v : values) owned_values.emplace_back(View(v));
    SetValues(owned_name, owned_values, is_array, is_number);
    return;
  }
  size_t region = name.size() + count * kLenSize + value_bytes;

  // 3. Find the slot: the existing entry (replaced in place) or a new one.
  size_t index = Find(name);
  bool replace = index < entries_.size();
  if (!replace) index = InsertPosition(name);
  size_t offset = index < entries_.size() ? OffsetOf(entries_.data()[index]) : bytes_.size();
  size_t old_region = replace ? RegionSize(entries_.data()[index]) : 0;
  if (bytes_.size() - old_region + region > kMaxArena) {
    throw std::length_error("http::OutgoingHeaders: header bytes exceed 4 GiB");
  }

  // 4. Allocate (the only steps that can throw), then splice without failing.
  if (!replace) entries_.Reserve(entries_.size() + 1, [](const Entry*, Entry*) {});
  bytes_.Reserve(bytes_.size() - old_region + region,
                 [this](const char* old, char* fresh) { Rebase(old, fresh); });
  if (region > old_region) {
    bytes_.InsertGap(offset + old_region, region - old_region);
  } else if (region < old_region) {
    bytes_.Erase(offset + region, old_region - region);
  }
  auto delta = static_cast<std::ptrdiff_t>(region) - static_cast<std::ptrdiff_t>(old_region);
  for (size_t i = replace ? index + 1 : index; i < entries_.size(); ++i) {
    Entry& e = entries_.data()[i];
    e.name = {e.name.data() + delta, e.name.size()};
    e.values.table_ += delta;
  }

  // 5. Write the region: name, value lengths, value bytes.
  char* p = bytes_.data() + offset;
  std::memcpy(p, name.data(), name.size());
  char* table = p + name.size();
  char* data = table + count * kLenSize;
  for (const auto& v : values) {
    std::string_view s = View(v);
    auto len = static_cast<uint32_t>(s.size());
    std::memcpy(table, &len, kLenSize);
    table += kLenSize;
    if (!s.empty()) std::memcpy(data, s.data(), s.size());
    data += s.size();
  }

  if (!replace) entries_.InsertGap(index, 1);
  Entry* e = new (entries_.data() + index) Entry;
  e->name = {p, name.size()};
  e->values.table_ = p + name.size();
  e->values.count_ = static_cast<uint32_t>(count);
  e->values.bytes_ = static_cast<uint32_t>(value_bytes);
  e->is_array = is_array;
  e->is_number = is_number;
}

size_t OutgoingHeaders::Find(std::string_view name) const noexcept {
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (EqualsIgnoreCase(entries_.data()[i].name, name)) return i;
  }
  return entries_.size();
}

size_t OutgoingHeaders::InsertPosition(std::string_view name) const noexcept {
  uint64_t value;
  if (!IsArrayIndex(name, &value)) return entries_.size();
  // Index names sit at the front, ascending; the new one goes before the first
  // larger index or the first other name.
  for (size_t i = 0; i < entries_.size(); ++i) {
    uint64_t other;
    if (!IsArrayIndex(entries_.data()[i].name, &other) || other > value) return i;
  }
  return entries_.size();
}

size_t OutgoingHeaders::OffsetOf(const Entry& e) const noexcept {
  return static_cast<size_t>(e.name.data() - bytes_.data());
}

const OutgoingHeaders::Entry* OutgoingHeaders::get(std::string_view name) const noexcept {
  size_t i = Find(name);
  return i < entries_.size() ? entries_.data() + i : nullptr;
}

bool OutgoingHeaders::remove(std::string_view name) noexcept {
  size_t index = Find(name);
  if (index == entries_.size()) return false;
  const Entry& gone = entries_.data()[index];
  size_t region = RegionSize(gone);
  bytes_.Erase(OffsetOf(gone), region);
  for (size_t i = index + 1; i < entries_.size(); ++i) {
    Entry& e = entries_.data()[i];
    e.name = {e.name.data() - region, e.name.size()};
    e.values.table_ -= region;
  }
  entries_.Erase(index, 1);
  return true;
}

void OutgoingHeaders::clear() noexcept {
  entries_.clear();
  bytes_.clear();
}

std::vector<std::string> OutgoingHeaders::names() const {
  std::vector<std::string> out;
  out.reserve(size());
  for (const Entry& e : *this) {
    std::string& lower = out.emplace_back(e.name);
    for (char& c : lower) c = ToLowerAscii(c);
  }
  return out;
}

size_t OutgoingHeaders::SerializedSize() const noexcept {
  size_t total = 0;
  for (const Entry& e : *this) {
    size_t n = e.values.size();
    if (JoinsValues(e)) {
      total += e.name.size() + 2 + e.values.bytes() + 2 * (n - 1) + 2;
    } else {
      total += n * (e.name.size() + 4) + e.values.bytes();
    }
  }
  return total;
}

char* OutgoingHeaders::SerializeTo(char* out) const noexcept {
  auto put = [&out](std::string_view s) {
    if (!s.empty()) std::memcpy(out, s.data(), s.size());
    out += s.size();
  };
  for (const Entry& e : *this) {
    if (JoinsValues(e)) {
      put(e.name);
      put(": ");
      bool first = true;
      for (std::string_view v : e.values) {
        if (!first) put("; ");
        first = false;
        put(v);
      }
      put(kCrlf);
      continue;
    }
    for (std::string_view v : e.values) {
      put(e.name);
      put(": ");
      put(v);
      put(kCrlf);
    }
  }
  return out;
}

}  // namespace http
