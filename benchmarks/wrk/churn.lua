-- Connection churn: every request asks `Connection: close`, so the server closes after
-- its response and wrk opens a new connection for the next request.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "report.lua")

wrk.headers["Connection"] = "close"
