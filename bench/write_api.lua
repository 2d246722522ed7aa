-- wrk script for bench/write_api.py: POST /api/purchases (or :batch) with a fresh purchase_id each time.
-- BATCH=0: one purchase per request; BATCH=n: a JSON array of n purchases per request.
local batch = tonumber(os.getenv("BATCH") or "0")
local token = os.getenv("API_TOKEN")
local prefix, counter = nil, 0

function init(args)
  -- every wrk thread has its own Lua state: a random prefix keeps their ids apart
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  prefix = string.format("%08x", math.random(0, 0x7fffffff))
end

local function purchase()
  counter = counter + 1
  local id = string.format("%s-%04x-4%03x-8%03x-%012x", prefix, math.random(0, 0xffff),
    math.random(0, 0xfff), math.random(0, 0xfff), counter)
  return '{"purchase_id":"' .. id .. '","client_id":"987e6543-e21b-45d3-b123-526714174000",'
    .. '"product_id":"543e2198-e89b-12d3-a456-426614174000","quantity":2,"price":49.99,'
    .. '"timestamp":"2025-04-06T12:00:00Z"}'
end

function request()
  local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}
  if batch == 0 then
    return wrk.format("POST", "/api/purchases", headers, purchase())
  end
  local items = {}
  for i = 1, batch do items[i] = purchase() end
  return wrk.format("POST", "/api/purchases:batch", headers, "[" .. table.concat(items, ",") .. "]")
end
