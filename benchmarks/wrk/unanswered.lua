-- Good clients that notice a server that stops answering. wrk counts a timeout only
-- for a response that comes late, never for one that does not come: a stalled server
-- leaves every connection waiting and wrk reports no error at all. This script counts,
-- at the end, the requests still unanswered that left longer ago than `timeout_ms`:
-- WRK_JSON's "unanswered". A stall of every connection costs only one request each,
-- so it also reports the longest time a thread sent nothing, which is the longest time
-- none of its connections got a response: "longest_gap_us" (the largest over threads,
-- the end of the run included).
--
--   wrk -c C -t T ... -s unanswered.lua URL -- TIMEOUT_MS C/T   (wrk's --timeout)
--
-- A connection sends its next request only once the last one is answered, so the
-- requests outstanding are among the last C/T a thread sent: request() keeps their send
-- times (a response() hook would cost wrk a Lua table per response). The count is a
-- lower bound, exact when the server stops answering every connection: a connection
-- stuck while the others go on is pushed out of the last C/T by their requests.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "report.lua")

local ffi = require("ffi")
ffi.cdef [[
   typedef struct { long tv_sec; long tv_nsec; } unanswered_timespec;
   int clock_gettime(int clock, unanswered_timespec* ts);
]]
local ts = ffi.new("unanswered_timespec")
local function now_us()
   ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
   return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end

-- In each thread, globals so that done() can read them back: the send times of its
-- last `per_thread` requests, a ring indexed by the count of requests sent.
sent, per_thread, timeout_us = {}, 1, 1000000
last_sent, longest_gap = nil, 0
local count = 0
local req

function init(args)
   req = wrk.format(nil, nil)
   timeout_us = (tonumber(args[1]) or 1000) * 1000
   per_thread = tonumber(args[2]) or per_thread
end

function request()
   local now = now_us()
   if last_sent and now - last_sent > longest_gap then longest_gap = now - last_sent end
   last_sent = now
   count = count + 1
   sent[count % per_thread] = now
   return req
end

-- In the main state: the threads, read back in done().
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

local report_done = done

function done(summary, latency, requests)
   local now, unanswered, gap = now_us(), 0, 0
   for _, t in ipairs(threads) do
      local limit = t:get("timeout_us")
      for _, at in pairs(t:get("sent")) do
         if now - at > limit then unanswered = unanswered + 1 end
      end
      gap = math.max(gap, t:get("longest_gap"), now - (t:get("last_sent") or now))
   end
   report_extra = {unanswered = unanswered, longest_gap_us = gap}
   report_done(summary, latency, requests)
end
