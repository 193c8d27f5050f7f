-- Argo CD health check of Labfleet's four kinds (labfleet.dev/v1alpha1: Workload,
-- DeploymentTarget, SchedulingPolicy, EnvironmentLease), from the Ready, Reconciling and Stalled
-- conditions the operator writes on every kind. One script serves all four: argocd-cm.yaml sets it
-- for each kind. Argo CD runs it on gopher-lua (Lua 5.1) with the base and table libraries only:
-- no string or math functions.

-- condition(name): the status condition of that type, or nil when there is none for the current
-- generation (a condition written for an older spec says nothing about the one Argo CD synced).
local function condition(name)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == name then
      if c.observedGeneration ~= nil and c.observedGeneration < (obj.metadata.generation or 0) then
        return nil
      end
      return c
    end
  end
  return nil
end

local function is_true(c)
  return c ~= nil and c.status == "True"
end

local function says(c)
  if c.message ~= nil and c.message ~= "" then
    return c.message
  end
  return c.reason or ""
end

-- verdict(suspended): the health the kstatus conditions give, in this order: a spec the operator
-- has not observed yet is Progressing; Stalled=True is Degraded (a person must act); an object its
-- own spec suspends or pauses is Suspended; Reconciling=True is Progressing; Ready=True is
-- Healthy; anything else is Progressing.
local function verdict(suspended)
  local generation = obj.metadata.generation or 0
  local observed = nil
  if obj.status ~= nil then
    observed = obj.status.observedGeneration
  end
  if observed == nil or observed < generation then
    return { status = "Progressing", message = "waiting for the operator to observe generation " .. generation }
  end
  local stalled = condition("Stalled")
  if is_true(stalled) then
    return { status = "Degraded", message = says(stalled) }
  end
  local reconciling = condition("Reconciling")
  local ready = condition("Ready")
  if suspended then
    local paused = condition("Paused")
    local why = "suspended"
    if is_true(paused) then
      why = says(paused)
    elseif is_true(reconciling) then
      why = says(reconciling)
    elseif is_true(ready) then
      why = says(ready)
    end
    return { status = "Suspended", message = why }
  end
  if is_true(reconciling) then
    return { status = "Progressing", message = says(reconciling) }
  end
  if is_true(ready) then
    return { status = "Healthy", message = says(ready) }
  end
  if ready ~= nil then
    return { status = "Progressing", message = says(ready) }
  end
  return { status = "Progressing", message = "waiting for the Ready condition" }
end

-- suspended_by_spec(): what the object's own spec suspends. A Workload's spec.suspend scales it to
-- zero on every target and keeps its configuration; a DeploymentTarget's spec.paused leaves its
-- objects as they are and grants no new lease. Policies and leases have no such switch.
local function suspended_by_spec()
  if obj.spec == nil then
    return false
  end
  if obj.kind == "Workload" then
    return obj.spec.suspend == true
  end
  if obj.kind == "DeploymentTarget" then
    return obj.spec.paused == true
  end
  return false
end

return verdict(suspended_by_spec())
