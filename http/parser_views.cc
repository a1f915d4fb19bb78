// The views half of the Parser (http/parser.h, "The views rule"): where each field
// of a message points, and how fields move out of an input that is not kept.
#include "http/parser.h"

#include <llhttp.h>

namespace http {

int Parser::CountHeaderBytes(size_t len) {
  header_bytes_ += len;
  if (header_bytes_ >= options_.max_header_size) {
    return Fail(kHeaderOverflow, "HPE_HEADER_OVERFLOW", "Header overflow", 431);
  }
  return 0;
}

// Whether the bytes before a header value's first piece, back over spaces and tabs,
// end a line: the value was folded onto a continuation line (obs-fold). Looks into
// the current input, then at how the stream before it ended.
bool Parser::FollowsLineBreak(const char* at) const {
  const char* q = at;
  while (q > input_begin_ && (q[-1] == ' ' || q[-1] == '\t')) --q;
  if (q > input_begin_) return q[-1] == '\n';
  return tail_in_line_start_;
}

// The stream's byte `back` bytes before `at` (in the current input or the tail kept
// from earlier ones), or 0 when it is not known.
char Parser::ByteBefore(const char* at, size_t back) const {
  size_t here = static_cast<size_t>(at - input_begin_);
  if (back <= here) return at[-static_cast<std::ptrdiff_t>(back)];
  back -= here;
  return back <= tail_len_ ? tail_[tail_len_ - back] : 0;
}


// A piece of a field. The first piece in an input marks the input as holding
// views of this message; a field that continues from an earlier input already
// lives in the arena and grows there.
//
// A piece that does not follow the previous one in the stream is a folded value's
// continuation: current Node rejects it (so does the default mode); v12 joined the
// pieces, so lenient mode copies them together into the arena.
int Parser::OnSpan(Field field, const char* at, size_t len) {
  if (int r = CountHeaderBytes(len); r != 0) return r;
  uint64_t start = stream_pos_ + static_cast<uint64_t>(at - input_begin_);
  // (llhttp reports an empty value as an empty piece at the next line: not a fold.)
  bool first_bytes = open_field_ != field || (open_len_ == 0 && !open_in_arena_);
  if (field == Field::kValue && len != 0 && first_bytes && !options_.lenient &&
      FollowsLineBreak(at)) {
    return Fail(HPE_INVALID_HEADER_TOKEN, "HPE_INVALID_HEADER_TOKEN",
                "Unexpected whitespace after header value");
  }
  if (open_field_ == field) {
    bool folded = len != 0 && start != open_end_;
    if (len != 0) open_end_ = start + len;
    if (folded && !options_.lenient) {
      return Fail(HPE_INVALID_HEADER_TOKEN, "HPE_INVALID_HEADER_TOKEN",
                  "Unexpected whitespace after header value");
    }
    if (folded && !open_in_arena_) {
      head_->arena.Begin();
      head_->arena.Append(std::string_view(open_start_, open_len_));
      copied_bytes_ += open_len_;
      open_in_arena_ = true;
    }
    if (open_in_arena_) {
      head_->arena.Append(std::string_view(at, len));
      copied_bytes_ += len;
    } else {
      open_len_ += len;  // contiguous within this input
    }
    return 0;
  }
  open_end_ = start + len;
  open_field_ = field;
  open_start_ = at;
  open_len_ = len;
  open_in_arena_ = false;
  input_views_ = true;
  if (field == Field::kName && options_.lenient && !headers_done_ && head_->headers.empty() &&
      ByteBefore(at, 1) == ' ' && ByteBefore(at, 2) == '\n') {
    // A space before the first header line: llhttp's lenient mode skips it, v12 kept
    // it in the name (" host"). It joins the name, in the arena when it was the last
    // byte of the previous input.
    if (at > input_begin_) {
      --open_start_;
      ++open_len_;
    } else {
      head_->arena.Begin();
      head_->arena.Append(" ");
      head_->arena.Append(std::string_view(at, len));
      copied_bytes_ += 1 + len;
      open_in_arena_ = true;
    }
  }
  return 0;
}

int Parser::OnSpanComplete(Field field) {
  std::string_view value;
  if (open_field_ == field) {
    value = open_in_arena_ ? head_->arena.Finish() : std::string_view(open_start_, open_len_);
  }
  open_field_ = Field::kNone;
  if (field == Field::kName && value.empty() && !options_.lenient) {
    return Fail(HPE_INVALID_HEADER_TOKEN, "HPE_INVALID_HEADER_TOKEN", "Empty header name");
  }
  Store(field, value);
  return 0;
}

void Parser::Store(Field field, std::string_view value) {
  switch (field) {
    case Field::kUrl: head_->url = value; break;
    case Field::kStatus: head_->status_text = value; break;
    case Field::kName: pending_name_ = value; break;
    case Field::kValue:
      // As Node's parser glue: trailing spaces and tabs are not part of the value.
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
        value.remove_suffix(1);
      }
      (headers_done_ ? head_->trailers : head_->headers).push_back({pending_name_, value});
      break;
    case Field::kNone: break;
  }
}

void Parser::RetainInputIfViewed() {
  if (!input_views_ || input_retained_) return;
  input_retained_ = true;
  events_->OnRetainInput();
}

void Parser::MoveToArena(std::string_view* view) {
  if (!InInput(*view)) return;
  *view = head_->arena.Keep(*view);
  copied_bytes_ += view->size();
}

// The input ends inside the current message: the fields that point into it and
// that no retained input covers move to the arena. Those of an unfinished head (the
// head's input is kept only once it completes there); once the head is complete,
// the trailers so far and a name awaiting its value (the message completes in a
// later input, which is the one kept for them). Fields of earlier inputs were moved
// at their end, and the open field goes last (SaveOpenSpan).
void Parser::MoveViewsToArena() {
  if (head_ == nullptr) return;
  if (input_views_) {
    MoveToArena(&pending_name_);
    if (!headers_done_) {
      MoveToArena(&head_->url);
      MoveToArena(&head_->status_text);
      for (size_t i = first_header_in_input_; i < head_->headers.size(); ++i) {
        MoveToArena(&head_->headers[i].name);
        MoveToArena(&head_->headers[i].value);
      }
    } else {
      for (size_t i = first_trailer_in_input_; i < head_->trailers.size(); ++i) {
        MoveToArena(&head_->trailers[i].name);
        MoveToArena(&head_->trailers[i].value);
      }
    }
  }
  SaveOpenSpan();
}

// At the end of an input, a field still open is copied to the arena: the input's
// buffer is not kept for it.
void Parser::SaveOpenSpan() {
  if (open_field_ == Field::kNone || open_in_arena_ || head_ == nullptr) return;
  head_->arena.Begin();
  head_->arena.Append(std::string_view(open_start_, open_len_));
  copied_bytes_ += open_len_;
  open_in_arena_ = true;
}

}  // namespace http
