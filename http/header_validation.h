// Header name and value checks, exactly as Node v12 makes them (_http_common.js's
// checkIsHttpToken and checkInvalidHeaderChar; _http_outgoing.js's
// validateHeaderName and validateHeaderValue), and the word test v12's regular
// expressions make on values (chunkExpression, continueExpression, RE_CONN_CLOSE).
//
// Public names follow Node's where Node has one; other names follow Google C++
// style. All functions are pure, safe from any thread, and borrow their arguments
// only for the call. The Is/Has predicates never throw; the Validate functions
// throw http::Error (and std::bad_alloc while building it) when the check fails.
//
// Bytes, not characters: v12 checks UTF-16 code units and writes headers as latin1,
// so there a value character above U+00FF is invalid. Here a value is bytes written
// as given; every byte 0x80-0xFF is valid, so UTF-8 text passes.
#ifndef HTTP_HEADER_VALIDATION_H_
#define HTTP_HEADER_VALIDATION_H_

#include <string_view>

namespace http {

// True when `s` is a non-empty RFC 7230 token: every byte is a tchar
// (!#$%&'*+-.^_`|~, digits, letters). v12's checkIsHttpToken. noexcept.
bool IsHttpToken(std::string_view s) noexcept;

// True when `s` holds a byte outside HTAB, 0x20-0x7E and 0x80-0xFF, that is a
// control byte other than HTAB (CR and LF included) or DEL. v12's
// checkInvalidHeaderChar. noexcept.
bool HasInvalidHeaderChar(std::string_view s) noexcept;

// True when `word` occurs in `value`, ignoring ASCII case, with neither neighbour a
// word byte (A-Z, a-z, 0-9, _): v12's /(?:^|\W)word(?:$|\W)/i, as in chunkExpression
// (word "chunked"), continueExpression ("100-continue") and RE_CONN_CLOSE ("close").
// Tested on one value, or on each line of a repeated header: the ", " that joins
// v12's lines is no word byte, so a match in the joined value is a match in a line.
// noexcept.
bool HasWordIgnoreCase(std::string_view value, std::string_view word) noexcept;

// Throws Error::InvalidHttpToken("Header name", name) (ERR_INVALID_HTTP_TOKEN) unless
// IsHttpToken(name). v12's validateHeaderName.
void ValidateHeaderName(std::string_view name);

// Throws Error::InvalidChar("header content", name) (ERR_INVALID_CHAR) when
// HasInvalidHeaderChar(value). v12's validateHeaderValue for a defined value (for a
// missing one v12 throws Error::InvalidHeaderValue("undefined", name) instead).
void ValidateHeaderValue(std::string_view name, std::string_view value);

// The same checks with v12's addTrailers wording: Error::InvalidHttpToken("Trailer
// name", name) and Error::InvalidChar("trailer content", name).
void ValidateTrailerName(std::string_view name);
void ValidateTrailerValue(std::string_view name, std::string_view value);

}  // namespace http

#endif  // HTTP_HEADER_VALIDATION_H_
