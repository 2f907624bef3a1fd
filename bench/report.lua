-- wrk script for bench/run.py: one machine-readable line at the end (latencies in microseconds).
--
-- BENCH_UNCACHED=1: every request gets a query string of its own, `utm_source=bench-<run>-<thread>-<n>`, so
-- that no request is served from the page cache (each one renders the page; the filter options stay cached).
-- BENCH_RUN_ID must then differ between wrk runs (run.py draws a random one for each, warm-up included):
-- otherwise a run would repeat the values the previous one left in the cache.
-- BENCH_COUNT=1: count the responses whose `X-Page-Cache` header says "hit" or "miss" (postings/page_cache.py).
-- Reading every response's headers costs wrk some CPU, so it is off unless asked.
local uncached = os.getenv("BENCH_UNCACHED")
local counting = os.getenv("BENCH_COUNT")
local run_id = os.getenv("BENCH_RUN_ID") or tostring(os.time())
local threads = {}

setup = function(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

-- Globals of each thread's own Lua state, read by done() through thread:get().
hits = 0
misses = 0
local counter = 0

request = function()
  if not uncached then
    return wrk.request()
  end
  counter = counter + 1
  local separator = string.find(wrk.path, "?", 1, true) and "&" or "?"
  return wrk.format(
    nil, wrk.path .. separator .. "utm_source=bench-" .. run_id .. "-" .. thread_id .. "-" .. counter
  )
end

if counting then
  response = function(status, headers, body)
    local cache = headers["X-Page-Cache"] or headers["x-page-cache"]
    if cache == "hit" then
      hits = hits + 1
    elseif cache == "miss" then
      misses = misses + 1
    end
  end
end

done = function(summary, latency, requests)
  local total_hits, total_misses = 0, 0
  for _, thread in ipairs(threads) do
    total_hits = total_hits + thread:get("hits")
    total_misses = total_misses + thread:get("misses")
  end
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "status_errors": %d, "timeouts": %d, "p50_ms": %.3f, "p90_ms": %.3f, ' ..
    '"p99_ms": %.3f, "mean_ms": %.3f, "max_ms": %.3f, "counted": %s, "hits": %d, "misses": %d}\n',
    summary.requests, summary.duration, summary.bytes, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.mean / 1000, latency.max / 1000, counting and "true" or "false", total_hits, total_misses))
end
