#include "http/exchange.h"

namespace http {

size_t Exchange::MoveOutOfReceiveBuffer() {
  if (!buf) return 0;
  ViewMove move;
  size_t copied = head.MoveOut(buf.view(), &move);
  if (copied != 0) req->MoveViews(move);
  buf.Release();
  return copied;
}

}  // namespace http
