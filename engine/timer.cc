#include "engine/timer.h"

#include <algorithm>
#include <bit>
#include <cassert>

namespace engine {
namespace {

constexpr uint64_t kMask = TimerWheel::kSlots - 1;

// Shift of level L: a slot there spans 64^L ms.
constexpr int Shift(int level) { return level * TimerWheel::kSlotBits; }

// The farthest delta the top level holds; later deadlines park there and are
// placed again each time they cascade.
constexpr uint64_t kMaxDelta = (uint64_t{1} << Shift(TimerWheel::kLevels)) - 1;

}  // namespace

Timer::~Timer() {
  if (wheel_ != nullptr) wheel_->Cancel(this);
}

TimerWheel::TimerWheel(uint64_t now_ms) : now_(now_ms) {}

TimerWheel::~TimerWheel() {
  for (auto& level : slots_) {
    for (Slot& slot : level) {
      for (Timer* t = slot.head; t != nullptr;) {
        Timer* next = t->next_;
        t->wheel_ = nullptr;
        t->prev_ = t->next_ = nullptr;
        t = next;
      }
    }
  }
}

void TimerWheel::Arm(Timer* t, uint64_t deadline_ms) {
  if (t->wheel_ != nullptr) Unlink(t);
  else ++armed_;
  t->wheel_ = this;
  t->deadline_ = deadline_ms;
  // Never into the current tick's slot: Advance may be walking it right now.
  Place(t, now_ + 1);
}

void TimerWheel::Cancel(Timer* t) {
  if (t->wheel_ != this) return;
  Unlink(t);
  t->wheel_ = nullptr;
  --armed_;
}

// Level L holds deadlines at least 64^L ms ahead (level 0: less than 64 ms ahead), in
// the slot of the 64^L-ms block that contains the deadline. That block's start is
// still ahead of now_, and no earlier block between now_ and it maps to the same
// slot, so the slot cascades exactly when its block begins.
void TimerWheel::Place(Timer* t, uint64_t earliest) {
  uint64_t deadline = std::max(t->deadline_, earliest);
  uint64_t delta = std::min(deadline - now_, kMaxDelta);
  int level = 0;
  while (level < kLevels - 1 && delta >= (uint64_t{1} << Shift(level + 1))) ++level;
  uint64_t at = now_ + delta;  // == deadline unless it was clamped
  auto slot = static_cast<uint8_t>((at >> Shift(level)) & kMask);
  t->level_ = static_cast<uint8_t>(level);
  t->slot_ = slot;
  Slot& s = slots_[level][slot];
  t->next_ = nullptr;
  t->prev_ = s.tail;
  if (s.tail != nullptr) s.tail->next_ = t;
  else s.head = t;
  s.tail = t;
  occupied_[level] |= uint64_t{1} << slot;
}

void TimerWheel::Unlink(Timer* t) {
  Slot& s = slots_[t->level_][t->slot_];
  if (t->prev_ != nullptr) t->prev_->next_ = t->next_;
  else s.head = t->next_;
  if (t->next_ != nullptr) t->next_->prev_ = t->prev_;
  else s.tail = t->prev_;
  t->prev_ = t->next_ = nullptr;
  if (s.head == nullptr) occupied_[t->level_] &= ~(uint64_t{1} << t->slot_);
}

// Moves every timer of the level's slot for `tick` down, placing each again by its
// own deadline (now_ == tick). A deadline of exactly `tick` lands in level 0's slot
// for `tick`, which Advance fires right after cascading.
void TimerWheel::Cascade(int level, uint64_t tick) {
  auto slot = static_cast<uint8_t>((tick >> Shift(level)) & kMask);
  Slot& s = slots_[level][slot];
  Timer* t = s.head;
  s.head = s.tail = nullptr;
  occupied_[level] &= ~(uint64_t{1} << slot);
  while (t != nullptr) {
    Timer* next = t->next_;
    Place(t, tick);
    t = next;
  }
}

size_t TimerWheel::Advance(uint64_t now_ms) {
  size_t fired = 0;
  std::exception_ptr first;
  while (now_ < now_ms) {
    if (armed_ == 0) {
      now_ = now_ms;
      break;
    }
    uint64_t tick = now_ + 1;
    // Nothing due within this 64-ms block: jump to its last tick.
    if ((tick & kMask) != 0 && occupied_[0] == 0) {
      now_ = std::min(now_ms, tick | kMask);
      continue;
    }
    now_ = tick;
    if ((tick & kMask) == 0) {
      int top = 1;
      while (top < kLevels - 1 && (tick & ((uint64_t{1} << Shift(top + 1)) - 1)) == 0) ++top;
      for (int level = top; level >= 1; --level) Cascade(level, tick);
    }
    Slot& s = slots_[0][tick & kMask];
    // Callbacks may arm or cancel timers, but none lands in this slot: a deadline
    // that has passed is placed at now_ + 1.
    while (s.head != nullptr) {
      Timer* t = s.head;
      Unlink(t);
      t->wheel_ = nullptr;
      --armed_;
      ++fired;
      if (!t->callback_) continue;
      try {
        t->callback_();
      } catch (...) {
        if (sink_) {
          sink_(std::current_exception());
        } else if (!first) {
          first = std::current_exception();
        }
      }
    }
  }
  if (first) std::rethrow_exception(first);
  return fired;
}

int64_t TimerWheel::NextWakeMs() const {
  if (armed_ == 0) return -1;
  uint64_t best = UINT64_MAX;
  for (int level = 0; level < kLevels; ++level) {
    uint64_t bits = occupied_[level];
    if (bits == 0) continue;
    // The next block (of this level's span) after the current one whose slot is
    // occupied: k in 1..64 blocks ahead.
    uint64_t block = now_ >> Shift(level);
    int first = static_cast<int>((block + 1) & kMask);
    uint64_t k = 1 + static_cast<uint64_t>(std::countr_zero(std::rotr(bits, first)));
    best = std::min(best, (block + k) << Shift(level));
  }
  return static_cast<int64_t>(best - now_);
}

}  // namespace engine
