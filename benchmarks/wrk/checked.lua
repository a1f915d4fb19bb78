-- Checked responses, for //benchmarks:soak. wrk counts a status other than 2xx but
-- never looks at a body: here every 200 must have exactly BODY as its body, and say
-- `Connection: close` exactly when the requests ask it. Those that do not are counted
-- as "bad" in WRK_JSON, and the first few printed as "WRK_BAD <status> <body>". Once a
-- second each thread prints "WRK_TICK <thread> <responses> <bad>", its counts so far,
-- so the soak can follow the run.
--
--   wrk ... -s checked.lua URL -- BODY [DEPTH] [close]
--
-- DEPTH (default 1): requests per write, as pipeline.lua, which this script loads.
-- close: every request asks `Connection: close`, as churn.lua.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "pipeline.lua")

-- In each thread, globals so that done() can read them back.
responses, bad, id = 0, 0, 0
local expected, want_close, tick, shown = nil, false, nil, 0

local pipeline_init = init

function init(args)
   expected = args[1] or ""
   want_close = args[3] == "close"
   if want_close then wrk.headers["Connection"] = "close" end
   pipeline_init({args[2] or "1"})  -- formats the requests, with the header above
end

function response(status, headers, body)
   responses = responses + 1
   if status == 200 then
      local connection = (headers["Connection"] or headers["connection"] or ""):lower()
      if body ~= expected or (connection == "close") ~= want_close then
         bad = bad + 1
         if shown < 3 then
            shown = shown + 1
            io.write(string.format("WRK_BAD %d %q %q\n", status, connection, body:sub(1, 200)))
         end
      end
   end
   local now = os.time()
   if now ~= tick then
      tick = now
      io.write(string.format("WRK_TICK %d %d %d\n", id, responses, bad))
      io.flush()
   end
end

-- In the main state: the threads, read back in done().
local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("id", #threads)
end

local report_done = done

function done(summary, latency, requests)
   local total = 0
   for _, t in ipairs(threads) do total = total + t:get("bad") end
   report_extra = {bad = total}
   report_done(summary, latency, requests)
end
