-- wrk script for chat completions: one JSON body per request, unique (a cache miss every time)
-- or fixed (a cache hit after the first), and a machine-readable summary line at the end.
--   wrk -t1 -c32 -d10s -s bench/wrk_chat.lua -H 'Authorization: Bearer K' URL \
--       -- NONCE MODEL unique|fixed [KEY1,KEY2,...]   (several keys: used in turn)
local nonce, model, mode = "x", "fast", "unique"
local keys = nil  -- optional: several API keys (tenants), used in turn
local counter = 0
local threads = 0

function setup(thread)  -- runs in the main state: give each thread its own id
   threads = threads + 1
   thread:set("tid", threads)
end

function init(args)
   nonce = args[1] or nonce
   model = args[2] or model
   mode = args[3] or mode
   if args[4] and args[4] ~= "" then
      keys = {}
      for k in string.gmatch(args[4], "[^,]+") do keys[#keys + 1] = k end
   end
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
end

function request()
   counter = counter + 1
   local tag = nonce
   if mode == "unique" then tag = nonce .. "-" .. (tid or 0) .. "-" .. counter end
   local body = '{"model":"' .. model .. '","max_tokens":64,"messages":[{"role":"user",' ..
      '"content":"Request ' .. tag .. ': in two sentences, why do gateways cache answers?"}]}'
   if keys then
      local headers = {["Content-Type"] = "application/json",
                       ["Authorization"] = "Bearer " .. keys[(counter % #keys) + 1]}
      return wrk.format(nil, nil, headers, body)
   end
   return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'BENCHJSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latency_us":{"min":%d,"mean":%.1f,"stdev":%.1f,"max":%d,"p50":%d,"p90":%d,' ..
      '"p99":%d,"p999":%d}}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.min, latency.mean, latency.stdev, latency.max, latency:percentile(50),
      latency:percentile(90), latency:percentile(99), latency:percentile(99.9)))
end
