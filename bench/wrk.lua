-- One request repeated by wrk; bench/web.py sets its method, body and session per target through
-- the environment. `done` prints the figures as one JSON line (wrk's own report has no p95).

local function env(name)
  local value = os.getenv(name)
  if value == nil or value == "" then
    return nil
  end
  return value
end

wrk.method = env("WRK_METHOD") or "GET"
-- What the TLS-terminating proxy of production sends: no redirect to https.
wrk.headers["X-Forwarded-Proto"] = "https"

local body_file = env("WRK_BODY_FILE")
if body_file then
  local file = assert(io.open(body_file, "rb"))
  wrk.body = file:read("*a")
  file:close()
  wrk.headers["Content-Type"] = "application/json"
end

local cookie = env("WRK_COOKIE")
if cookie then
  wrk.headers["Cookie"] = cookie
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "status_errors": %d, "socket_errors": %d, '
      .. '"timeouts": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, errors.status, errors.connect + errors.read + errors.write,
    errors.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max
  ))
end
