-- wrk script for bench/beacon_intake.py: wrk_post.lua (POSTs $BENCH_BODY, dumps the summary and latency
-- histogram to $BENCH_OUT) with the content type the RUM script's sendBeacon uses.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "wrk_post.lua")
wrk.headers["Content-Type"] = "text/plain;charset=UTF-8"
wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"
