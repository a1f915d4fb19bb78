-- Prints wrk's results as one JSON line, "WRK_JSON {...}", for benchmarks/vs_nginx.py.
-- Used as the script of the plain scenarios and loaded by the others (dofile).
-- Times are in microseconds, as wrk keeps them.
--
-- Latency percentiles are wrk's own, which include its correction for coordinated
-- omission. When requests are pipelined, wrk takes one sample per batch (from writing
-- the batch to its last response) and the correction adds samples below the
-- histogram's minimum, so high percentiles come out as 0: they are reported as null.

local function pct(latency, p)
   local v = latency:percentile(p)
   if v == 0 then return "null" end
   return string.format("%d", v)
end

-- A script that loads this one may set the global table `report_extra` (names to
-- numbers) before calling done(); its fields join the line.
function done(summary, latency, requests)
   local e = summary.errors
   local extra = ""
   for name, value in pairs(report_extra or {}) do
      extra = extra .. string.format(',"%s":%d', name, value)
   end
   io.write(string.format(
      'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latency_us":{"mean":%.1f,"max":%d,"p50":%s,"p90":%s,"p99":%s,"p999":%s}%s}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.mean, latency.max, pct(latency, 50), pct(latency, 90),
      pct(latency, 99), pct(latency, 99.9), extra))
end
