-- wrk script: GET /lead_protection?lead_id=eq.<id> with each rep's own JWT, rotating over the
-- (token, lead id) pairs in the file given after `--` (one "token lead_id" per line).
-- done() prints one machine-readable line: BENCH_RESULT {json}.
local requests = {}
local position = 0

function init(args)
    for line in io.lines(args[1]) do
        local token, lead = line:match("^(%S+)%s+(%S+)$")
        if token then
            requests[#requests + 1] = wrk.format("GET", "/lead_protection?lead_id=eq." .. lead, {
                ["Authorization"] = "Bearer " .. token,
                ["Accept"] = "application/json",
            })
        end
    end
    -- threads start at different places in the list
    position = math.random(#requests)
end

function request()
    position = position % #requests + 1
    return requests[position]
end

function done(summary, latency, requests_)
    local seconds = summary.duration / 1e6
    local errors = summary.errors
    io.write(string.format(
        'BENCH_RESULT {"requests": %d, "seconds": %.2f, "rps": %.1f, "p50_ms": %.3f, '
            .. '"p90_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "non2xx": %d, '
            .. '"socket_errors": %d}\n',
        summary.requests, seconds, summary.requests / seconds,
        latency:percentile(50) / 1000, latency:percentile(90) / 1000,
        latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
        errors.status, errors.connect + errors.read + errors.write + errors.timeout
    ))
end
