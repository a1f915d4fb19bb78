// ChunkExtensions: reads the chunk extensions of a chunk-size line, the bytes between
// the size and the line's CR, for the Parser (http/parser.h), which gives llhttp the
// size and the line end only.
//
// Why not llhttp: llhttp 8.1 refuses valid extensions (a quoted-pair in a quoted
// value, an extension after one with a token value, whitespace before ";" or around
// "="), which RFC 9112 and current Node accept; and v12's lenient reading is not
// llhttp 8.1's either. Two grammars:
//   - kRfc9112 (the default mode): RFC 9112 §7.1.1,
//       chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//     with chunk-ext-val = token / quoted-string (RFC 9110 §5.6);
//   - kV12 (insecureHTTPParser): v12.22.9's llhttp, which took, after a space or ";",
//     any tab, visible or obs-text byte up to the CR (a tab right after the size was
//     an error).
// The extensions' meaning is ignored, as RFC 9112 lets a recipient do.
//
// State carries across inputs: a line may end in a later Scan() than it began.
// Loop-thread only, owned by its Parser.
#ifndef HTTP_CHUNK_EXTENSIONS_H_
#define HTTP_CHUNK_EXTENSIONS_H_

#include <cstdint>

namespace http {

class ChunkExtensions {
 public:
  enum class Grammar : uint8_t { kRfc9112, kV12 };

  // A new line's extensions, whose first byte (";", a space or a tab) Scan() sees next.
  void Begin(Grammar grammar);
  // Reads from p up to end. Returns the position of the CR that ends the extensions
  // (they were valid), `end` when they continue in the next input, or nullptr when
  // the byte at error_at() breaks the grammar.
  const char* Scan(const char* p, const char* end);

  const char* error_at() const { return error_at_; }
  // Whether that byte makes the chunk size itself malformed ("2 x": llhttp's
  // HPE_INVALID_CHUNK_SIZE) rather than the extensions (HPE_STRICT); in llhttp's words.
  bool bad_size() const { return bad_size_; }
  const char* reason() const { return reason_; }

 private:
  enum class State : uint8_t {
    kStart,            // the first byte after the size
    kBwsAfterSize,     // whitespace after the size, which only a ";" may end
    kBwsBeforeSemi,    // the same after a value
    kBwsBeforeName,
    kName,
    kBwsAfterName,     // only "=" or ";" may follow
    kBwsBeforeValue,
    kToken,
    kQuoted,
    kQuotedPair,       // after a backslash in a quoted value
    kAfterQuoted,
    kV12Parameters,
    kFailed,
  };
  const char* Fail(const char* at, bool bad_size, const char* reason);

  Grammar grammar_ = Grammar::kRfc9112;
  State state_ = State::kStart;
  bool bad_size_ = false;
  const char* reason_ = "";
  const char* error_at_ = nullptr;
};

}  // namespace http

#endif  // HTTP_CHUNK_EXTENSIONS_H_
