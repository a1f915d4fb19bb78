// The loop's lingering connections: End()ed connections waiting for their peer's FIN
// (engine/connection.h, "Closing"), closed when the linger time is up.
#include "engine/connection.h"
#include "engine/loop.h"

namespace engine {

void Loop::ListForLinger(Connection* c) {
  lingering_.push_back(Lingerer{c, c->generation(), now_ms() + linger_ms_});
  if (!linger_timer_.armed()) timers_.Arm(&linger_timer_, lingering_.front().deadline_ms);
}

void Loop::CloseExpiredLingerers() {
  uint64_t now = now_ms();
  while (!lingering_.empty() && lingering_.front().deadline_ms <= now) {
    Lingerer l = lingering_.front();
    lingering_.pop_front();
    if (l.c->generation() == l.generation && l.c->lingering_ && !l.c->closing_) {
      ++stats_.linger_timeouts;
      l.c->Close(0);
    }
  }
  if (!lingering_.empty()) timers_.Arm(&linger_timer_, lingering_.front().deadline_ms);
}

}  // namespace engine
