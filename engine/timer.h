// Timers: one hierarchical timing wheel per loop, millisecond resolution.
//
// Arm, re-arm and cancel are O(1): a timer is an intrusive list node placed in one of
// 4 x 64 slots (level L covers deltas below 64^(L+1) ms). Timers in higher levels move
// down ("cascade") as time reaches their slot, so every timer fires at its exact
// millisecond, never early. The loop waits in the kernel until the next slot that
// holds a timer, so an idle loop with armed timers does not poll.
//
// Ownership: a Timer belongs to whoever declared it; the wheel only links it. The
// destructor cancels it. Callbacks run on the loop thread, from the loop's timer
// phase, never synchronously from Arm(). A callback may arm or cancel any timer,
// itself included.
#ifndef ENGINE_TIMER_H_
#define ENGINE_TIMER_H_

#include <cstdint>
#include <exception>
#include <functional>

namespace engine {

class TimerWheel;

class Timer {
 public:
  Timer() = default;
  explicit Timer(std::function<void()> callback) : callback_(std::move(callback)) {}
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void set_callback(std::function<void()> callback) { callback_ = std::move(callback); }
  bool armed() const { return wheel_ != nullptr; }
  uint64_t deadline_ms() const { return deadline_; }

 private:
  friend class TimerWheel;
  Timer* prev_ = nullptr;
  Timer* next_ = nullptr;
  TimerWheel* wheel_ = nullptr;  // non-null while armed
  uint64_t deadline_ = 0;
  uint8_t level_ = 0;
  uint8_t slot_ = 0;
  std::function<void()> callback_;
};

class TimerWheel {
 public:
  static constexpr int kLevels = 4;
  static constexpr int kSlotBits = 6;
  static constexpr int kSlots = 1 << kSlotBits;

  explicit TimerWheel(uint64_t now_ms);
  ~TimerWheel();
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;

  // Fires `t` at deadline_ms (absolute, on the same clock as Advance). A deadline at
  // or before now_ms() fires at the first Advance to a later millisecond. Re-arms
  // `t` if it was armed.
  void Arm(Timer* t, uint64_t deadline_ms);
  void Cancel(Timer* t);

  // Fires every timer whose deadline is <= now_ms, in deadline order (the order among
  // timers with the same deadline is unspecified). Returns how many fired. A callback
  // that throws is passed to the exception sink (and the other timers still fire);
  // without a sink the first exception is rethrown once the wheel is up to date.
  size_t Advance(uint64_t now_ms);
  void set_exception_sink(std::function<void(std::exception_ptr)> sink) {
    sink_ = std::move(sink);
  }

  // Milliseconds from the last Advance until the wheel next needs to run (a timer
  // fires or a slot cascades), or -1 when no timer is armed.
  int64_t NextWakeMs() const;

  uint64_t now_ms() const { return now_; }
  size_t armed_count() const { return armed_; }

 private:
  std::function<void(std::exception_ptr)> sink_;
  struct Slot {
    Timer* head = nullptr;
    Timer* tail = nullptr;
  };
  // Links t by its deadline, treating deadlines before `earliest` as `earliest`.
  void Place(Timer* t, uint64_t earliest);
  void Unlink(Timer* t);
  void Cascade(int level, uint64_t tick);

  uint64_t now_;
  size_t armed_ = 0;
  uint64_t occupied_[kLevels] = {};
  Slot slots_[kLevels][kSlots];
};

}  // namespace engine

#endif  // ENGINE_TIMER_H_
