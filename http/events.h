// Typed events with Node's names.
//
// Every Node-shaped class declares its events once, as a list of Event<"name",
// Args...>, and gets on/once/emit/listenerCount/removeAllListeners checked at
// compile time: `server.on<"request">([](IncomingMessage& req, ServerResponse& res)
// {...})` compiles, a misspelt event name or a listener of the wrong shape does not.
// This is the one spelling of events throughout the library.
//
// Listeners run synchronously from emit(), in registration order, on the thread that
// emits (for the http classes: the loop thread of the connection). A listener may add
// listeners; they run from the next emit on. Listener storage is allocated only when
// a listener is added.
#ifndef HTTP_EVENTS_H_
#define HTTP_EVENTS_H_

#include <algorithm>
#include <cstddef>
#include <functional>
#include <memory>
#include <tuple>
#include <utility>
#include <vector>

namespace http {

// An event name usable as a template argument: Event<"request", ...>.
template <size_t N>
struct EventName {
  char chars[N]{};
  constexpr EventName(const char (&s)[N]) { std::copy_n(s, N, chars); }
  template <size_t M>
  constexpr bool operator==(const EventName<M>& other) const {
    if (N != M) return false;
    for (size_t i = 0; i < N; ++i) {
      if (chars[i] != other.chars[i]) return false;
    }
    return true;
  }
};

template <EventName Name, typename... Args>
struct Event {
  static constexpr auto name = Name;
  using Listener = std::function<void(Args...)>;
  struct Entry {
    Listener fn;
    bool once;
  };
};

template <typename... Events>
class EventEmitter {
 public:
  template <EventName Name, typename Fn>
  void on(Fn&& fn) {
    Slot<Name>().push_back(std::make_unique<typename EventOf<Name>::Entry>(
        typename EventOf<Name>::Entry{std::forward<Fn>(fn), false}));
  }
  template <EventName Name, typename Fn>
  void once(Fn&& fn) {
    Slot<Name>().push_back(std::make_unique<typename EventOf<Name>::Entry>(
        typename EventOf<Name>::Entry{std::forward<Fn>(fn), true}));
  }
  template <EventName Name>
  size_t listenerCount() const {
    if (!slots_) return 0;
    return std::get<IndexOf<Name>()>(*slots_).size();
  }
  template <EventName Name>
  void removeAllListeners() {
    if (slots_) std::get<IndexOf<Name>()>(*slots_).clear();
  }

  // Calls every listener of the event; returns whether there was any (as Node).
  // Listeners added while emitting run from the next emit on; a once-listener is
  // removed before it runs. A listener must not remove listeners of the event that
  // is being emitted.
  template <EventName Name, typename... A>
  bool emit(A&&... args) {
    if (!slots_) return false;
    auto& list = std::get<IndexOf<Name>()>(*slots_);
    size_t n = list.size();
    if (n == 0) return false;
    for (size_t i = 0; i < n && i < list.size();) {
      if (list[i]->once) {
        auto entry = std::move(list[i]);
        list.erase(list.begin() + static_cast<std::ptrdiff_t>(i));
        --n;
        entry->fn(args...);
      } else {
        list[i++]->fn(args...);  // entries are boxed: adding listeners moves only pointers
      }
    }
    return true;
  }

 private:
  template <size_t I>
  using EventAt = std::tuple_element_t<I, std::tuple<Events...>>;

  template <EventName Name, size_t I = 0>
  static constexpr size_t IndexOf() {
    static_assert(I < sizeof...(Events), "this class has no event of that name");
    if constexpr (EventAt<I>::name == Name) {
      return I;
    } else {
      return IndexOf<Name, I + 1>();
    }
  }

  template <EventName Name>
  using EventOf = EventAt<IndexOf<Name>()>;

  template <EventName Name>
  auto& Slot() {
    if (!slots_) slots_ = std::make_unique<Slots>();
    return std::get<IndexOf<Name>()>(*slots_);
  }

  using Slots = std::tuple<std::vector<std::unique_ptr<typename Events::Entry>>...>;
  std::unique_ptr<Slots> slots_;
};

}  // namespace http

#endif  // HTTP_EVENTS_H_
