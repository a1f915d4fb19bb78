// OutgoingHeaders: the header store behind ServerResponse and ClientRequest (v12's
// OutgoingMessage[kOutHeaders]), and its rendering into the message head.
//
// Public method names follow Node's where Node has them (set/get/has/remove echo
// setHeader/getHeader/hasHeader/removeHeader; names() is getHeaderNames); other
// names follow Google C++ style.
//
// Semantics, as v12 (each checked against v12.22.9):
//   - Lookup is case-insensitive (ASCII). Entries keep insertion order; replacing a
//     header keeps its position and takes the new spelling of the name; removing and
//     setting again moves it to the end.
//   - v12 keeps headers in a JavaScript object keyed by lower-cased name, so a name
//     that is an array index ("0" .. "4294967294", no leading zero) sorts before all
//     other names, in numeric order. This store does the same.
//   - A list of values renders as one line per value (Set-Cookie); v12 renders a
//     list of two or more values for "Cookie" as one line joined with "; ". An empty
//     list is present (has() is true) and renders nothing.
//   - v12 keeps a value as it was given: getHeader() returns a number for a number.
//     An integer is stored as its decimal digits (what v12 renders) and the entry
//     remembers that it was a number (is_number).
//
// Ownership and lifetime: the store owns copies of every name and value given to it.
// An Entry, and the views it holds (name, values), point into the store: they stay
// valid until the next call that modifies it (set, remove, clear, assignment).
// Passing such views back into set() is allowed (they are copied first).
//
// Cost: names and values live in one byte arena, entries in one array, both inline
// up to kInlineBytes / kInlineEntries, so a typical response's headers allocate
// nothing. Beyond that each grows by doubling. Lookups scan linearly.
//
// Threads: none of its own; use from one thread at a time.
#ifndef HTTP_OUTGOING_HEADERS_H_
#define HTTP_OUTGOING_HEADERS_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace http {

class OutgoingHeaders {
 public:
  static constexpr size_t kInlineEntries = 8;
  static constexpr size_t kInlineBytes = 256;

  // The values of one header, in the order given: a view into the store.
  class Values {
   public:
    class Iterator {
     public:
      using iterator_concept = std::forward_iterator_tag;
      using iterator_category = std::input_iterator_tag;
      using value_type = std::string_view;
      using difference_type = std::ptrdiff_t;
      using reference = std::string_view;

      Iterator() = default;
      std::string_view operator*() const noexcept {
        uint32_t len;
        std::memcpy(&len, len_, sizeof(len));
        return {data_, len};
      }
      Iterator& operator++() noexcept {
        data_ += (**this).size();
        len_ += sizeof(uint32_t);
        return *this;
      }
      Iterator operator++(int) noexcept {
        Iterator old = *this;
        ++*this;
        return old;
      }
      bool operator==(const Iterator& other) const noexcept { return len_ == other.len_; }

     private:
      friend class Values;
      Iterator(const char* len, const char* data) : len_(len), data_(data) {}
      const char* len_ = nullptr;   // the next length in the table
      const char* data_ = nullptr;  // the next value's bytes
    };

    size_t size() const noexcept { return count_; }
    bool empty() const noexcept { return count_ == 0; }
    // Total bytes of all values.
    size_t bytes() const noexcept { return bytes_; }
    Iterator begin() const noexcept { return {table_, table_ + count_ * sizeof(uint32_t)}; }
    Iterator end() const noexcept { return {table_ + count_ * sizeof(uint32_t), nullptr}; }
    // The i-th value, i < size(). O(i).
    std::string_view operator[](size_t i) const noexcept {
      return *std::next(begin(), static_cast<std::ptrdiff_t>(i));
    }

   private:
    friend class OutgoingHeaders;
    const char* table_ = nullptr;  // count_ uint32 lengths, then the value bytes
    uint32_t count_ = 0;
    uint32_t bytes_ = 0;
  };

  // One header, read-only to users (the store hands out const Entry only).
  struct Entry {
    std::string_view name;  // as last given to set()
    Values values;
    bool is_array = false;   // set from a list, even of one (v12's getHeader returns an array)
    bool is_number = false;  // set from an integer: values[0] is its decimal digits
  };

  OutgoingHeaders() noexcept = default;
  // Copying allocates when the source had outgrown the inline space (may throw
  // std::bad_alloc). Moving never throws; the source is left empty.
  OutgoingHeaders(const OutgoingHeaders& other);
  OutgoingHeaders& operator=(const OutgoingHeaders& other);
  OutgoingHeaders(OutgoingHeaders&& other) noexcept;
  OutgoingHeaders& operator=(OutgoingHeaders&& other) noexcept;
  ~OutgoingHeaders() = default;

  // Sets header `name` to one value (v12's setHeader(name, string)), replacing any
  // header of that name. Throws http::Error ERR_INVALID_HTTP_TOKEN for a name that
  // is not a token, ERR_INVALID_CHAR for a value with an invalid byte (see
  // header_validation.h); std::length_error past 4 GiB of header bytes;
  // std::bad_alloc. On a throw the store is unchanged.
  void set(std::string_view name, std::string_view value);
  // Sets header `name` to a list of values (v12's setHeader(name, array)): one line
  // each when rendered. Same checks and throws as above, for every value.
  void set(std::string_view name, std::span<const std::string_view> values);
  void set(std::string_view name, std::initializer_list<std::string_view> values);
  void set(std::string_view name, const std::vector<std::string>& values);
  // Sets header `name` to a number (v12's setHeader(name, number)). Throws as above
  // for the name.
  void set(std::string_view name, int64_t value);

  // The header named `name` (any case), or nullptr. noexcept.
  const Entry* get(std::string_view name) const noexcept;
  bool has(std::string_view name) const noexcept { return get(name) != nullptr; }
  // Removes header `name` (any case); false when there was none. noexcept.
  bool remove(std::string_view name) noexcept;
  // Removes every header; keeps the memory for reuse. noexcept.
  void clear() noexcept;

  // The names, lower-cased, in order (v12's getHeaderNames). Throws std::bad_alloc.
  std::vector<std::string> names() const;

  size_t size() const noexcept { return entries_.size(); }
  bool empty() const noexcept { return entries_.size() == 0; }
  const Entry* begin() const noexcept { return entries_.data(); }
  const Entry* end() const noexcept { return entries_.data() + entries_.size(); }

  // The exact number of bytes SerializeTo writes. noexcept.
  size_t SerializedSize() const noexcept;
  // Writes the headers as v12 renders them, "Name: value\r\n" per line, in order,
  // to out (which must have SerializedSize() bytes of room); returns the end of
  // what was written. noexcept.
  char* SerializeTo(char* out) const noexcept;

 private:
  // A growable array of trivially copyable T with room for N inline.
  template <typename T, size_t N>
  class SmallBuf {
    static_assert(std::is_trivially_copyable_v<T>);

   public:
    SmallBuf() noexcept = default;
    SmallBuf(const SmallBuf& other) : SmallBuf() { *this = other; }
    SmallBuf& operator=(const SmallBuf& other) {
      if (this != &other) {
        size_ = 0;
        Reserve(other.size_, [](const T*, T*) {});
        std::memcpy(data_, other.data_, other.size_ * sizeof(T));
        size_ = other.size_;
      }
      return *this;
    }
    SmallBuf(SmallBuf&& other) noexcept { Steal(other); }
    SmallBuf& operator=(SmallBuf&& other) noexcept {
      if (this != &other) {
        Free();
        Steal(other);
      }
      return *this;
    }
    ~SmallBuf() { Free(); }

    T* data() noexcept { return data_; }
    const T* data() const noexcept { return data_; }
    size_t size() const noexcept { return size_; }
    size_t capacity() const noexcept { return capacity_; }
    void clear() noexcept { size_ = 0; }

    // Makes room for n elements. When the elements move, calls moved(old, new) after
    // copying them and before freeing the old block. Throws std::bad_alloc.
    template <typename F>
    void Reserve(size_t n, F&& moved) {
      if (n <= capacity_) return;
      size_t capacity = n > 2 * capacity_ ? n : 2 * capacity_;
      T* fresh = static_cast<T*>(::operator new(capacity * sizeof(T)));
      if (size_ != 0) std::memcpy(fresh, data_, size_ * sizeof(T));
      moved(static_cast<const T*>(data_), fresh);
      Free();
      data_ = fresh;
      capacity_ = capacity;
    }
    // Opens `count` uninitialised elements at pos; capacity must suffice.
    void InsertGap(size_t pos, size_t count) noexcept {
      std::memmove(data_ + pos + count, data_ + pos, (size_ - pos) * sizeof(T));
      size_ += count;
    }
    void Erase(size_t pos, size_t count) noexcept {
      std::memmove(data_ + pos, data_ + pos + count, (size_ - pos - count) * sizeof(T));
      size_ -= count;
    }

   private:
    T* Inline() noexcept { return reinterpret_cast<T*>(inline_); }
    void Free() noexcept {
      if (data_ != Inline()) ::operator delete(data_);
      data_ = Inline();
      capacity_ = N;
    }
    void Steal(SmallBuf& other) noexcept {
      if (other.data_ == other.Inline()) {
        std::memcpy(inline_, other.inline_, other.size_ * sizeof(T));
        data_ = Inline();
        capacity_ = N;
      } else {
        data_ = other.data_;
        capacity_ = other.capacity_;
        other.data_ = other.Inline();
        other.capacity_ = N;
      }
      size_ = other.size_;
      other.size_ = 0;
    }

    alignas(T) unsigned char inline_[N * sizeof(T)];
    T* data_ = Inline();
    size_t size_ = 0;
    size_t capacity_ = N;
  };

  template <typename Range>
  void SetValues(std::string_view name, const Range& values, bool is_array, bool is_number = false);
  bool Aliases(std::string_view s) const noexcept;
  size_t Find(std::string_view name) const noexcept;  // size() when absent
  size_t InsertPosition(std::string_view name) const noexcept;
  size_t OffsetOf(const Entry& e) const noexcept;
  // Points every entry's views at `fresh` instead of `old` (the arena moved).
  void Rebase(const char* old, const char* fresh) noexcept;

  SmallBuf<Entry, kInlineEntries> entries_;
  SmallBuf<char, kInlineBytes> bytes_;  // per entry, in entry order: name, lengths, values
};

}  // namespace http

#endif  // HTTP_OUTGOING_HEADERS_H_
