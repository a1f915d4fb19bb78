// What recycling a receive buffer costs, without the kernel in the loop:
//   BM_BufRingRecycle/B:           per buffer, MarkInUse (a completion handed it over)
//                                  and Unref (its handler returned), then one Commit
//                                  per B buffers (the loop commits once a turn).
//   BM_RecvBufRetainRelease:       RecvBuf::Retain and the BufRef's release while the
//                                  handler still holds its reference: a count, no
//                                  recycle.
//   BM_RecvBufRetainOutlivesHandler: the echo server's pattern: MarkInUse, Retain, the
//                                  handler's Unref, then releasing the BufRef recycles
//                                  the buffer; Commit every 32.
// No receive is ever armed, so the kernel never takes a buffer from the ring.
#include <benchmark/benchmark.h>

#include <cstdint>

#include "engine/buf_ring.h"
#include "engine/buffer.h"
#include "engine/ring.h"

namespace {

constexpr double kMinTime = 0.5;
constexpr uint32_t kCount = 1024;  // buffers; at least the largest batch
constexpr uint32_t kSize = 2048;   // bytes each; irrelevant to the cost measured

// A ring and its buffer ring, or the reason there are none.
struct Fixture {
  engine::Ring ring;
  engine::BufRing buffers;
  engine::SetupError error;
  bool ok = false;
  Fixture() {
    ok = ring.Init(8, &error) == 0 && buffers.Init(ring.raw(), 0, kCount, kSize, &error) == 0;
  }
};

void BM_BufRingRecycle(benchmark::State& state) {
  const auto batch = static_cast<uint32_t>(state.range(0));
  Fixture f;
  if (!f.ok) {
    state.SkipWithError(f.error.message.c_str());
    return;
  }
  uint32_t next = 0;
  for (auto _ : state) {
    for (uint32_t i = 0; i < batch; ++i) {
      auto bid = static_cast<uint16_t>(next++ & (kCount - 1));
      f.buffers.MarkInUse(bid);
      f.buffers.Unref(bid);
    }
    benchmark::DoNotOptimize(f.buffers.Commit());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * batch);
}
BENCHMARK(BM_BufRingRecycle)->Arg(1)->Arg(32)->Arg(256)->MinTime(kMinTime);

void BM_RecvBufRetainRelease(benchmark::State& state) {
  Fixture f;
  if (!f.ok) {
    state.SkipWithError(f.error.message.c_str());
    return;
  }
  f.buffers.MarkInUse(0);  // the handler's reference, held throughout
  engine::RecvBuf piece(&f.buffers, 0, f.buffers.buffer(0), 64);
  for (auto _ : state) {
    engine::BufRef ref = piece.Retain();
    benchmark::DoNotOptimize(ref.data());
  }
  f.buffers.Unref(0);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_RecvBufRetainRelease)->MinTime(kMinTime);

void BM_RecvBufRetainOutlivesHandler(benchmark::State& state) {
  constexpr uint32_t kBatch = 32;
  Fixture f;
  if (!f.ok) {
    state.SkipWithError(f.error.message.c_str());
    return;
  }
  engine::BufRef refs[kBatch];
  uint32_t next = 0;
  for (auto _ : state) {
    for (uint32_t i = 0; i < kBatch; ++i) {
      auto bid = static_cast<uint16_t>(next++ & (kCount - 1));
      f.buffers.MarkInUse(bid);
      engine::RecvBuf piece(&f.buffers, bid, f.buffers.buffer(bid), 64);
      refs[i] = piece.Retain();
      f.buffers.Unref(bid);  // the handler returned; the BufRef keeps the buffer
    }
    for (engine::BufRef& ref : refs) ref.Release();  // the sends completed
    benchmark::DoNotOptimize(f.buffers.Commit());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kBatch);
}
BENCHMARK(BM_RecvBufRetainOutlivesHandler)->MinTime(kMinTime);

}  // namespace
