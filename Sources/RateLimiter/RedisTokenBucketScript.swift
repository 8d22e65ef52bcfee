/// `TokenBuckets.take` as a Redis Lua script, for a store shared by several sluice instances
/// (`RedisStore.RedisRateLimitClient` sends it; this file only holds the text and the conversions, so it
/// stays pure).
///
/// `KEYS[1]` is the identity's hash key (derive it from the identity with a hash every instance
/// agrees on; never the raw API key). `ARGV` is `arguments(for:)`: the number of limits, then per
/// limit its name, `requests` and window in milliseconds. The script reads Redis's clock (`TIME`),
/// refills, takes one token from every bucket or none, stores `t` (last ms), `d:<name>` (deficit)
/// and `s:<name>` (`requests:window`, so that a reload converts and clamps a changed limit as the
/// memory store does), lets the key expire when every bucket is full again, and answers
/// `[admitted (1|0), now ms, deficit…]`: `reply(_:plan:)` turns that into a `StoreReply`.
/// Every number stays below 2^53 (see `LimitRule.maximumRequestMilliseconds`), so Lua's doubles
/// are exact; numbers are written with `%d`, never with Lua's `%.14g` `tostring`. A changed window
/// converts held units as whole old tokens plus a remainder (`held * w / oldw` could pass 2^53),
/// exact like `BucketShape.migrated` for windows up to a day.
public enum RedisTokenBucketScript {
    /// The Lua source.
    public static let source = """
        local clock = redis.call('TIME')
        local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
        local n = tonumber(ARGV[1])
        local fields = {'t'}
        for i = 1, n do
          fields[2 * i] = 'd:' .. ARGV[3 * i - 1]
          fields[2 * i + 1] = 's:' .. ARGV[3 * i - 1]
        end
        local stored = redis.call('HMGET', KEYS[1], unpack(fields))
        local elapsed = now - (tonumber(stored[1]) or now)
        if elapsed < 0 then elapsed = 0 end
        local deficits = {}
        local admitted = 1
        for i = 1, n do
          local r = tonumber(ARGV[3 * i])
          local w = tonumber(ARGV[3 * i + 1])
          local cap = r * w
          local d = tonumber(stored[2 * i]) or 0
          local shape = stored[2 * i + 1]
          if shape and shape ~= string.format('%d:%d', r, w) then
            local oldr, oldw = string.match(shape, '^(%d+):(%d+)$')
            oldr = tonumber(oldr)
            oldw = tonumber(oldw)
            local held = oldr * oldw - d
            if held < 0 then held = 0 end
            if oldw ~= w then
              local whole = math.floor(held / oldw)
              held = whole * w + math.floor((held - whole * oldw) * w / oldw)
            end
            if held > cap then held = cap end
            d = cap - held
          end
          if elapsed * r >= d then d = 0 else d = d - elapsed * r end
          if d > cap - w then admitted = 0 end
          deficits[i] = d
        end
        local ttl = 0
        local updates = {'t', string.format('%d', now)}
        for i = 1, n do
          local r = tonumber(ARGV[3 * i])
          local w = tonumber(ARGV[3 * i + 1])
          if admitted == 1 then deficits[i] = deficits[i] + w end
          local untilFull = math.ceil(deficits[i] / r)
          if untilFull > ttl then ttl = untilFull end
          updates[#updates + 1] = 'd:' .. ARGV[3 * i - 1]
          updates[#updates + 1] = string.format('%d', deficits[i])
          updates[#updates + 1] = 's:' .. ARGV[3 * i - 1]
          updates[#updates + 1] = string.format('%d:%d', r, w)
        end
        if ttl > 0 then
          redis.call('DEL', KEYS[1])
          redis.call('HSET', KEYS[1], unpack(updates))
          redis.call('PEXPIRE', KEYS[1], ttl)
        else
          redis.call('DEL', KEYS[1])
        end
        local reply = {admitted, now}
        for i = 1, n do reply[#reply + 1] = deficits[i] end
        return reply
        """

    /// `ARGV` for `plan`: the number of limits, then per limit its name, requests and window (ms).
    public static func arguments(for plan: LimitPlan) -> [String] {
        var arguments = [String(plan.rules.count)]
        for (rule, shape) in zip(plan.rules, plan.shapes) {
            arguments += [rule.name, String(shape.refillPerMillisecond), String(shape.tokenUnits)]
        }
        return arguments
    }

    /// The `StoreReply` of the script's answer, or nil when it does not fit `plan`.
    public static func reply(_ values: [Int64], plan: LimitPlan) -> StoreReply? {
        guard values.count == plan.shapes.count + 2, values[0] == 0 || values[0] == 1 else { return nil }
        return StoreReply(
            plan: plan, admitted: values[0] == 1, deficits: PerBucket(deficits: Array(values.dropFirst(2))),
            nowMilliseconds: values[1])
    }
}
