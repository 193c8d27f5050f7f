-- Runs an Argo CD health check the way Argo CD does, with a Lua 5.1 interpreter:
--   lua5.1 argocd_health.lua SCRIPT OBJECT
-- OBJECT is a Lua file returning the Kubernetes object as a table (argocd_health.sh writes it
-- from JSON). The script sees the object as the global `obj`, and only what Argo CD's gopher-lua
-- sandbox offers (util/lua/lua.go: the base, table and package libraries and a safe os; no
-- string, math, io or debug library, so no string methods either). Prints `STATUS MESSAGE` and
-- exits 0, or names what went wrong on stderr and exits 1: a script error, a result that is not a
-- table, or a status Argo CD does not know.
local script_path, object_path = arg[1], arg[2]
if script_path == nil or object_path == nil then
  io.stderr:write("usage: lua5.1 argocd_health.lua SCRIPT OBJECT\n")
  os.exit(2)
end

local function die(message)
  io.stderr:write(script_path .. ": " .. message .. "\n")
  os.exit(1)
end

local object = dofile(object_path)
local chunk, load_error = loadfile(script_path)
if chunk == nil then
  die(load_error)
end

local sandbox = { obj = object, table = table, _VERSION = _VERSION,
                  os = { time = os.time, date = os.date, clock = os.clock } }
for _, name in ipairs({ "assert", "error", "getmetatable", "ipairs", "next", "pairs", "pcall", "print",
                        "rawequal", "rawget", "rawset", "select", "setmetatable", "tonumber", "tostring",
                        "type", "unpack", "xpcall" }) do
  sandbox[name] = _G[name]
end
sandbox._G = sandbox
setfenv(chunk, sandbox)
-- Without gopher-lua's string library strings have no methods: ("x"):find(...) fails there too.
local string_methods = getmetatable("").__index
getmetatable("").__index = nil
local ok, result = pcall(chunk)
getmetatable("").__index = string_methods

if not ok then
  die(tostring(result))
end
if type(result) ~= "table" then
  die("returned " .. type(result) .. ", not a table")
end
local known = { Healthy = true, Progressing = true, Degraded = true, Suspended = true, Missing = true, Unknown = true }
if not known[result.status] then
  die("returned status " .. tostring(result.status) .. ", which Argo CD does not know")
end
io.write(result.status, " ", tostring(result.message or ""), "\n")
