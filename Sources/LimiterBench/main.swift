// Release-built micro-benchmark of the rate-limit decision and of the memory of tracked keys.
//
//   swift build -c release --product LimiterBench && .build/release/LimiterBench [--keys N] [--decisions N] [--runs N]
//
// Every decision reads the real clock (SystemClock) and hashes a 32-byte API key. Times are given
// per decision as process CPU time (what the decision costs, leaving out time spent descheduled on
// a shared machine) and wall time, the fastest of `--runs` runs (the 1M-key rows run once).
//
// Measured 2026-11-21 (2-core AMD EPYC VM shared by ~6 builds, load average 7), CPU ns per decision:
// 1 thread 1 key 128 (with all headers written 203); 100/h + 10/min refusals 127; 2 threads 125,
// 2 threads over 1024 keys each 144; 1M new keys 489, 1M tracked keys 386 (a cache and TLB miss on
// the table slot); 1M tracked keys take 58 MiB of RSS. With the LRU bound (max_tracked_keys,
// 2026-12-04, load average ~7): 1 key 122-133, 1M new keys 575-581, 1M tracked keys 374-452 (a cold
// identity's move to the front of its list costs two more cache misses), 1M new keys over a 100k
// bound 626-771, 70 MiB per million keys.
#if canImport(Glibc)
import Glibc
#endif
import RateLimiter
import Synchronization

/// Nanoseconds of `clock`.
func nanoseconds(_ clock: clockid_t) -> Int64 {
    var spec = timespec()
    clock_gettime(clock, &spec)
    return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
}

/// Resident set size in bytes, from /proc/self/statm.
func residentBytes() -> Int {
    guard let file = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(file) }
    var size = 0
    var resident = 0
    _ = withUnsafeMutablePointer(to: &size) { sizePointer in
        withUnsafeMutablePointer(to: &resident) { residentPointer in
            withVaList([sizePointer, residentPointer]) { vfscanf(file, "%ld %ld", $0) }
        }
    }
    return resident * sysconf(Int32(_SC_PAGESIZE))
}

/// An API-key-like identity of 32 characters.
func apiKey(_ index: Int, prefix: String = "sk_live_") -> String {
    let digits = String(index, radix: 16)
    return prefix + String(repeating: "0", count: 24 - digits.count) + digits
}

/// Admitted decisions, counted across threads (and keeping the optimiser from dropping the work).
final class Tally: Sendable {
    private let admitted = Atomic<Int>(0)
    func add(_ count: Int) { admitted.add(count, ordering: .relaxed) }
    func take() -> Int { admitted.exchange(0, ordering: .relaxed) }
}

/// Runs `body` on `count` POSIX threads at once and waits for them.
func runThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    final class Job: @unchecked Sendable {
        let body: @Sendable (Int) -> Void
        let index: Int
        init(_ body: @escaping @Sendable (Int) -> Void, _ index: Int) { self.body = body; self.index = index }
    }
    var threads: [pthread_t] = []
    for index in 0..<count {
        var thread = pthread_t()
        let job = Unmanaged.passRetained(Job(body, index)).toOpaque()
        pthread_create(&thread, nil, { raw in
            let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
            job.body(job.index)
            return nil
        }, job)
        threads.append(thread)
    }
    for thread in threads { pthread_join(thread, nil) }
}

/// The integer following `flag` on the command line, or `fallback`.
func option(_ flag: String, _ fallback: Int) -> Int {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: flag), index + 1 < arguments.count else { return fallback }
    return Int(arguments[index + 1]) ?? fallback
}

/// One decimal place.
func format(_ value: Double) -> String {
    "\((value * 10).rounded() / 10)"
}

/// `text` left-padded to `width`.
func padded(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - text.count)) + text
}

/// Prints one row of the table.
func report(_ name: String, _ value: String) {
    print(name + String(repeating: " ", count: max(1, 50 - name.count)) + value)
}

/// Times `body` (which makes `decisions` decisions, counting admissions in `tally`) `runs` times and
/// reports the fastest CPU and wall nanoseconds per decision (the least disturbed run on a shared
/// machine) and the share admitted.
func measure(_ name: String, decisions: Int, runs: Int = 1, _ tally: Tally, _ body: () -> Void) {
    var cpu = Double.infinity
    var wall = Double.infinity
    var admitted = 0.0
    for _ in 0..<runs {
        let wallStart = nanoseconds(CLOCK_MONOTONIC)
        let cpuStart = nanoseconds(CLOCK_PROCESS_CPUTIME_ID)
        body()
        cpu = min(cpu, Double(nanoseconds(CLOCK_PROCESS_CPUTIME_ID) - cpuStart) / Double(decisions))
        wall = min(wall, Double(nanoseconds(CLOCK_MONOTONIC) - wallStart) / Double(decisions))
        admitted = Double(tally.take()) * 100 / Double(decisions)
    }
    report(name, padded(format(cpu), 8) + padded(format(wall), 8) + padded(format(admitted) + "%", 10))
}

/// Limits that admit every decision of a run.
let generous = [
    LimitRule(name: "hour", requests: 2_500_000, per: .seconds(3600)),
    LimitRule(name: "minute", requests: 2_500_000, per: .seconds(60)),
]
/// The seed document's limits: after 10 decisions a key is refused (the same work, no token taken).
let defaults = [
    LimitRule(name: "hour", requests: 100, per: .seconds(3600)),
    LimitRule(name: "minute", requests: 10, per: .seconds(60)),
]
let keyCount = option("--keys", 1_000_000)
let count = option("--decisions", 2_000_000)
let runs = option("--runs", 3)
let tally = Tally()

print("LimiterBench: SystemClock, MemoryStore (\(MemoryStore.shardCount) shards), 32-byte keys")
report("ns per decision", padded("cpu", 8) + padded("wall", 8) + padded("admitted", 10))

// 1. One thread, one key (a fresh limiter each run).
let key = apiKey(1)
measure("1 thread, 1 key", decisions: count, runs: runs, tally) {
    let limiter = RateLimiter(limits: generous)
    var admitted = 0
    for _ in 0..<count where limiter.decide(identity: key).admitted { admitted += 1 }
    tally.add(admitted)
}
measure("1 thread, 1 key, decide + all headers", decisions: count, runs: runs, tally) {
    let limiter = RateLimiter(limits: generous)
    var out: [UInt8] = []
    out.reserveCapacity(1024)
    var admitted = 0
    for _ in 0..<count {
        out.removeAll(keepingCapacity: true)
        let decision = limiter.decide(identity: key)
        decision.appendHeaders(to: &out)
        if decision.admitted && out.count > 0 { admitted += 1 }
    }
    tally.add(admitted)
}
measure("1 thread, 1 key, 100/h + 10/min", decisions: count, runs: runs, tally) {
    let limiter = RateLimiter(limits: defaults)
    var admitted = 0
    for _ in 0..<count where limiter.decide(identity: key).admitted { admitted += 1 }
    tally.add(admitted)
}

// 2. One thread over many keys, and the memory they take.
do {
    let keys = (0..<keyCount).map { apiKey($0) }
    // A bound above the key count: every key stays tracked (shards fill unevenly).
    let limiter = RateLimiter(limits: defaults, maxTrackedKeys: 2 * keyCount)
    let before = residentBytes()
    measure("1 thread, \(keyCount) new keys", decisions: keyCount, tally) {
        var admitted = 0
        for key in keys where limiter.decide(identity: key).admitted { admitted += 1 }
        tally.add(admitted)
    }
    let after = residentBytes()
    measure("1 thread, \(keyCount) tracked keys", decisions: keyCount, tally) {
        var admitted = 0
        for key in keys where limiter.decide(identity: key).admitted { admitted += 1 }
        tally.add(admitted)
    }
    let megabytes = Double(after - before) / 1_048_576
    report("tracked keys", "\(limiter.trackedKeys)")
    report("RSS growth for them", format(megabytes) + " MiB")
    report("  per million keys", format(megabytes * 1_000_000 / Double(keyCount)) + " MiB")

    // Keys invented faster than the bound holds them: past the first tenth, every decision forgets one.
    let bounded = RateLimiter(limits: defaults, maxTrackedKeys: max(MemoryStore.trackedKeysRange.lowerBound, keyCount / 10))
    measure("1 thread, \(keyCount) new keys, bound \(keyCount / 10)", decisions: keyCount, tally) {
        var admitted = 0
        for key in keys where bounded.decide(identity: key).admitted { admitted += 1 }
        tally.add(admitted)
    }
    report("evicted", "\(bounded.evictedKeys)")
}

// 3. Two threads, distinct keys. With the seed limits most decisions are refusals, which do the
// same work as admissions; limits generous enough never to refuse would refill idle rows within
// milliseconds, so they would be dropped and re-inserted.
do {
    let limiter = RateLimiter(limits: defaults)
    let keySets = [(0..<1024).map { apiKey($0, prefix: "sk_a____") }, (0..<1024).map { apiKey($0, prefix: "sk_b____") }]
    measure("2 threads, 1 key each", decisions: 2 * count, runs: runs, tally) {
        runThreads(2) { thread in
            let key = keySets[thread][0]
            var admitted = 0
            for _ in 0..<count where limiter.decide(identity: key).admitted { admitted += 1 }
            tally.add(admitted)
        }
    }
    measure("2 threads, 1024 keys each", decisions: 2 * count, runs: runs, tally) {
        runThreads(2) { thread in
            let keys = keySets[thread]
            var admitted = 0
            for index in 0..<count where limiter.decide(identity: keys[index & 1023]).admitted { admitted += 1 }
            tally.add(admitted)
        }
    }
}
