-- wrk script: replay requests pre-rendered by bench/load.py (one per line: METHOD, PATH, BODY, then headers,
-- tab-separated), each thread starting at its own offset, so wrk and the open-loop client send the same requests.
local requests = {}
local counter, id, n = 1, 0, 0

local function split(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("(.-)\t") do fields[#fields + 1] = field end
  return fields
end

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  for line in io.lines(args[1]) do
    local f = split(line)
    local headers = {}
    for i = 4, #f do
      local name, value = f[i]:match("^([^:]+): (.*)$")
      headers[name] = value
    end
    if f[3] ~= "" then headers["Content-Type"] = "application/json" end
    requests[#requests + 1] = wrk.format(f[1], f[2], headers, f[3] ~= "" and f[3] or nil)
  end
  n = id * 7919
end

function request()
  n = n + 1
  return requests[n % #requests + 1]
end
