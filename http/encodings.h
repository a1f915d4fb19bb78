// The bytes Node v12's Buffer.from(string, encoding) gives for the encodings that
// write() and end() take, with the C++ chunk standing for the JavaScript string:
//   - utf8, latin1, binary, ascii: the bytes as given (a C++ chunk is already bytes);
//   - hex: pairs of hex digits, up to the first pair that is not one (as Node);
//   - base64 (either alphabet, '+/' or '-_'): characters outside the alphabet are
//     skipped, an '=' ends the data, and a last group of 2 or 3 characters gives 1
//     or 2 bytes (as v12's decoder);
//   - ucs2, ucs-2, utf16le, utf-16le: the chunk read as UTF-8 (an invalid sequence
//     is U+FFFD, one per byte), each code point as UTF-16LE (a surrogate pair past
//     U+FFFF);
//   - any other name: utf8, as v12's socket falls back to it.
// Names compare ignoring ASCII case. Pure; safe from any thread.
#ifndef HTTP_ENCODINGS_H_
#define HTTP_ENCODINGS_H_

#include <string>
#include <string_view>

namespace http {

// Buffer.from(chunk, encoding).
std::string DecodeChunk(std::string_view chunk, std::string_view encoding);

}  // namespace http

#endif  // HTTP_ENCODINGS_H_
