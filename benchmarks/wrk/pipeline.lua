-- Pipelining: every write carries `depth` GET requests for the URL's path (default 16;
-- `wrk ... -s pipeline.lua URL -- 8` for another depth). wrk counts each response.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "report.lua")

local depth = 16

init = function(args)
   depth = tonumber(args[1]) or depth
   local r = {}
   for i = 1, depth do
      r[i] = wrk.format(nil, nil)
   end
   req = table.concat(r)
end

request = function()
   return req
end
