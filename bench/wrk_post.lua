-- wrk script for Kagami's benchmarks: POSTs $BENCH_BODY (JSON) to the URL's path and, when wrk finishes,
-- writes the run's summary and its full latency histogram (microseconds, 1 µs resolution) to $BENCH_OUT so
-- the driver can merge rounds and compute exact percentiles.
--   BENCH_BODY='{"message":"hi"}' BENCH_OUT=/tmp/x.txt wrk -c1 -t1 -d5s -s bench/wrk_post.lua http://127.0.0.1:PORT/chat
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY") or '{"message":"hi"}'
wrk.headers["Content-Type"] = "application/json"
if os.getenv("BENCH_ACCEPT") then wrk.headers["Accept"] = os.getenv("BENCH_ACCEPT") end

function done(summary, latency, requests)
   local path = os.getenv("BENCH_OUT")
   if not path then return end
   local f = assert(io.open(path, "w"))
   local e = summary.errors
   f:write(string.format("summary %d %d %d %d %d %d %d %d\n", summary.duration, summary.requests, summary.bytes,
                         e.connect, e.read, e.write, e.status, e.timeout))
   for i = 1, #latency do
      local value, count = latency(i)
      f:write(string.format("%d %d\n", value, count))
   end
   f:close()
end
