// Release-built micro-benchmark of the rate-limit decision and of the memory of tracked keys.
//   swift build -c release --product LimiterBench && .build/release/LimiterBench [--keys N] [--decisions N]
#if canImport(Glibc)
import Glibc
#endif
import RateLimiter

/// Nanoseconds of `clock`.
func nanoseconds(_ clock: clockid_t) -> Int64 {
    var spec = timespec()
    clock_gettime(clock, &spec)
    return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
}

/// Monotonic nanoseconds.
func monotonicNanoseconds() -> Int64 { nanoseconds(CLOCK_MONOTONIC) }

/// CPU nanoseconds of the whole process.
func processCPUNanoseconds() -> Int64 { nanoseconds(CLOCK_PROCESS_CPUTIME_ID) }

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

/// Runs `body` on `count` POSIX threads at once; returns the wall time in nanoseconds.
func runThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) -> Int64 {
    final class Job: @unchecked Sendable {
        let body: @Sendable (Int) -> Void
        let index: Int
        init(_ body: @escaping @Sendable (Int) -> Void, _ index: Int) { self.body = body; self.index = index }
    }
    let start = monotonicNanoseconds()
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
    return monotonicNanoseconds() - start
}

let generous = [
    LimitRule(name: "hour", requests: 1_000_000_000, per: .seconds(3600)),
    LimitRule(name: "minute", requests: 100_000_000, per: .seconds(60)),
]
let defaults = [
    LimitRule(name: "hour", requests: 100, per: .seconds(3600)),
    LimitRule(name: "minute", requests: 10, per: .seconds(60)),
]
/// The integer following `flag` on the command line, or `fallback`.
func option(_ flag: String, _ fallback: Int) -> Int {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: flag), index + 1 < arguments.count else { return fallback }
    return Int(arguments[index + 1]) ?? fallback
}
let keyCount = option("--keys", 1_000_000)
let count = option("--decisions", 5_000_000)

/// Prints one row of the table.
func report(_ name: String, _ value: String) {
    print(name + String(repeating: " ", count: max(1, 56 - name.count)) + value)
}

/// One decimal place.
func format(_ value: Double) -> String {
    "\((value * 10).rounded() / 10)"
}

/// Times `body` (which makes `decisions` decisions) by the wall clock and by CPU time, and reports
/// both per decision: on a shared machine the CPU figure leaves out time spent descheduled.
func measure(_ name: String, decisions: Int, _ body: () -> Void) {
    let wallStart = monotonicNanoseconds()
    let cpuStart = processCPUNanoseconds()
    body()
    let cpu = Double(processCPUNanoseconds() - cpuStart) / Double(decisions)
    let wall = Double(monotonicNanoseconds() - wallStart) / Double(decisions)
    report(name, format(cpu).padding(9) + format(wall).padding(9))
}

extension String {
    /// Left-padded to `width`.
    func padding(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}

print("LimiterBench: SystemClock, MemoryStore (\(MemoryStore.shardCount) shards), 32-byte keys")
report("ns per decision", "cpu".padding(9) + "wall".padding(9))
nonisolated(unsafe) var sink = 0

// 1. One thread, one key.
do {
    let limiter = RateLimiter(limits: generous)
    let key = apiKey(1)
    for _ in 0..<100_000 { sink &+= limiter.decide(identity: key).remaining(limit: 0) }
    measure("1 thread, 1 key (decide)", decisions: count) {
        for _ in 0..<count { sink &+= limiter.decide(identity: key).admitted ? 1 : 0 }
    }
    var out: [UInt8] = []
    out.reserveCapacity(1024)
    measure("1 thread, 1 key (decide + all headers)", decisions: count) {
        for _ in 0..<count {
            out.removeAll(keepingCapacity: true)
            limiter.decide(identity: key).appendHeaders(to: &out)
            sink &+= out.count
        }
    }
}
do {
    let limiter = RateLimiter(limits: defaults)
    let key = apiKey(2)
    measure("1 thread, 1 key, 100/h+10/min (refusals)", decisions: count) {
        for _ in 0..<count { sink &+= limiter.decide(identity: key).admitted ? 1 : 0 }
    }
}

// 2. One thread over many keys, and the memory they take.
do {
    let keys = (0..<keyCount).map { apiKey($0) }
    let limiter = RateLimiter(limits: defaults)
    let before = residentBytes()
    measure("1 thread, \(keyCount) new keys (insert, growth)", decisions: keyCount) {
        for key in keys { sink &+= limiter.decide(identity: key).admitted ? 1 : 0 }
    }
    let after = residentBytes()
    measure("1 thread, \(keyCount) tracked keys", decisions: keyCount) {
        for key in keys { sink &+= limiter.decide(identity: key).admitted ? 1 : 0 }
    }
    let megabytes = Double(after - before) / 1_048_576
    report("tracked keys", "\(limiter.trackedKeys)")
    report("RSS delta for \(keyCount) tracked keys", format(megabytes) + " MiB")
    report("  per million keys", format(megabytes * 1_000_000 / Double(keyCount)) + " MiB")
}

// 3. Two threads, distinct keys (100/h + 10/min: mostly refusals, which do the same work as
// admissions; with limits generous enough never to refuse, idle rows would refill within
// microseconds and be dropped).
do {
    let limiter = RateLimiter(limits: defaults)
    let perThread = count
    let keySets = [(0..<1024).map { apiKey($0, prefix: "sk_a___") }, (0..<1024).map { apiKey($0, prefix: "sk_b___") }]
    measure("2 threads, 1 key each (per decision)", decisions: 2 * perThread) {
        _ = runThreads(2) { thread in
            let key = keySets[thread][0]
            var local = 0
            defer { if local == -1 { print(local) } }
            for _ in 0..<perThread { local &+= limiter.decide(identity: key).admitted ? 1 : 0 }
        }
    }
    measure("2 threads, 1024 keys each (per decision)", decisions: 2 * perThread) {
        _ = runThreads(2) { thread in
            let keys = keySets[thread]
            var local = 0
            defer { if local == -1 { print(local) } }
            for index in 0..<perThread { local &+= limiter.decide(identity: keys[index & 1023]).admitted ? 1 : 0 }
        }
    }
}
if sink == 42 { print("") }
