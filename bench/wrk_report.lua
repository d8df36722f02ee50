-- wrk script for bench/run.py and bench/http_load.py: counts responses by
-- status class in every thread and prints one machine-readable line at the end.
--
-- Paths given after `--` are requested in turn by each connection's thread
-- (wrk ... -s wrk_report.lua http://127.0.0.1:PORT/ -- /a /b /c): a mix of
-- pages. Without them every request is wrk's own, for the URL given.
--
-- wrk itself treats 3xx as success; a lost session answers 303 -> /login,
-- so the benchmark needs its own count of everything that is not 2xx.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local paths, turn = {}, 0

function init(args)
  s2xx, s3xx, s4xx, s5xx, sother = 0, 0, 0, 0, 0
  for _, path in ipairs(args) do
    table.insert(paths, wrk.format(nil, path))
  end
end

-- wrk asks for each request only when a script defines request(); with no
-- paths it sends the one request it built from the URL
function request()
  if #paths == 0 then
    return wrk.request()
  end
  turn = turn % #paths + 1
  return paths[turn]
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    s2xx = s2xx + 1
  elseif status >= 300 and status < 400 then
    s3xx = s3xx + 1
  elseif status >= 400 and status < 500 then
    s4xx = s4xx + 1
  elseif status >= 500 and status < 600 then
    s5xx = s5xx + 1
  else
    sother = sother + 1
  end
end

function done(summary, latency, requests)
  local c = {s2xx = 0, s3xx = 0, s4xx = 0, s5xx = 0, sother = 0}
  for _, t in ipairs(threads) do
    for k, _ in pairs(c) do
      c[k] = c[k] + (t:get(k) or 0)
    end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"latency_us": {"mean": %.1f, "p50": %d, "p90": %d, "p95": %d, "p99": %d, "max": %d}, ' ..
    '"status": {"2xx": %d, "3xx": %d, "4xx": %d, "5xx": %d, "other": %d}, ' ..
    '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    latency.mean, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.max,
    c.s2xx, c.s3xx, c.s4xx, c.s5xx, c.sother,
    e.connect, e.read, e.write, e.timeout))
end
