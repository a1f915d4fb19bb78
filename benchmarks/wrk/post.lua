-- POST with a body of N bytes (default 1024), which /echo sends back.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "report.lua")

init = function(args)
   local size = tonumber(args[1]) or 1024
   wrk.method = "POST"
   wrk.body = string.rep("x", size)
   wrk.headers["Content-Type"] = "application/octet-stream"
end
