// Release-built micro-benchmark of the API-key admission check (SPEC §10) and of loading a large keys file.
//
//   swift build -c release --product KeyCheckBench && .build/release/KeyCheckBench [--keys N] [--checks N] [--runs N]
//
// Writes a keys file of N lines (default 1,000,000: one consumer per key, a plan and a scope each) to /tmp,
// loads it with KeyRegistry.load (time, resident memory before and after, peak), then times
// KeyTable.verdict — SHA-256 of the token, lookup, revocation, expiry, the scope rules — per check, as process
// CPU time and wall time, the fastest of `--runs` runs. Tokens are 34-byte keys picked at random over the
// whole table, so most lookups miss the CPU caches as a real request would.
#if canImport(Glibc)
import Glibc
#endif
import APIKeys
import OpenSSLBinding

/// Process CPU time in nanoseconds (what the work costs, leaving out time spent descheduled on a shared machine).
func cpuNanoseconds() -> Int64 {
    Int64(clock()) * (1_000_000_000 / Int64(CLOCKS_PER_SEC))
}

/// Monotonic wall time in nanoseconds.
func wallNanoseconds() -> Int64 {
    let elapsed = benchStart.duration(to: .now).components
    return elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000
}

let benchStart = ContinuousClock.now

/// Current and peak resident memory in bytes (VmRSS and VmHWM of /proc/self/status).
func residentMemory() -> (current: Int, peak: Int) {
    guard let file = fopen("/proc/self/status", "r") else { return (0, 0) }
    defer { fclose(file) }
    var current = 0
    var peak = 0
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let kilobytes = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
        if text.hasPrefix("VmRSS:") { current = kilobytes * 1024 }
        if text.hasPrefix("VmHWM:") { peak = kilobytes * 1024 }
    }
    return (current, peak)
}

/// The integer following `flag` on the command line, or `fallback`.
func option(_ flag: String, _ fallback: Int) -> Int {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: flag), index + 1 < arguments.count else { return fallback }
    return Int(arguments[index + 1]) ?? fallback
}

/// The benchmark's key number `index`: `keva_live_` and 24 characters of [A-Za-z0-9].
func key(_ index: Int) -> [UInt8] {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
    var state = UInt64(index) &* 0x9E37_79B9_7F4A_7C15 &+ 1
    var bytes = Array("keva_live_".utf8)
    for _ in 0..<24 {
        state ^= state >> 29
        state = state &* 0xBF58_476D_1CE4_E5B9
        bytes.append(alphabet[Int(state >> 58) % alphabet.count])
    }
    return bytes
}

func megabytes(_ bytes: Int) -> String { "\((Double(bytes) / 1_048_576 * 10).rounded() / 10) MiB" }

func report(_ name: String, _ value: String) {
    print(name + String(repeating: " ", count: max(1, 52 - name.count)) + value)
}

let keyCount = option("--keys", 1_000_000)
let checks = option("--checks", 2_000_000)
let runs = option("--runs", 3)
let path = "/tmp/keycheckbench-\(getpid()).jsonl"

// 1. The keys file.
do {
    guard let file = fopen(path, "w") else { fatalError("cannot write \(path)") }
    for index in 0..<keyCount {
        let line = "{\"id\": \"consumer-\(index)\", \"sha256\": \"\(SHA256Digest(hashing: key(index)).hex)\", "
            + "\"plan\": \"pro\", \"scopes\": [\"tickets:write\"]}\n"
        fputs(line, file)
    }
    fclose(file)
}

// 2. Loading it.
let before = residentMemory()
let loadStart = (wall: wallNanoseconds(), cpu: cpuNanoseconds())
let loaded = KeyRegistry.load(path: path, planNames: ["free", "pro"])
let loadTime = (wall: wallNanoseconds() - loadStart.wall, cpu: cpuNanoseconds() - loadStart.cpu)
let after = residentMemory()
unlink(path)
guard case .success(let table) = loaded else { fatalError("the generated file did not load: \(loaded)") }
print("KeyCheckBench: \(table.keyCount) keys of \(table.consumerCount) consumers")
report("load time", "cpu \(loadTime.cpu / 1_000_000) ms, wall \(loadTime.wall / 1_000_000) ms")
report("resident before load / after / growth", "\(megabytes(before.current)) / \(megabytes(after.current)) / \(megabytes(after.current - before.current))")
report("peak resident (whole process)", megabytes(after.peak))

// 3. The check.
let rules = AccessRules(keyPrefix: "keva_live_", scopeRules: [
    ScopeRule(methods: ["POST", "PUT", "PATCH", "DELETE"], path: "/v1/tickets", scope: "tickets:write"),
])
let now = Int64(time(nil))
let tokenLength = key(0).count
let sampleCount = 1 << 16
var generator = SystemRandomNumberGenerator()
let known = (0..<sampleCount).flatMap { _ in key(Int.random(in: 0..<keyCount, using: &generator)) }
let unknown = (0..<sampleCount).flatMap { key(keyCount + $0) }

/// Times `checks` verdicts over the tokens of `tokens` and reports the fastest CPU and wall nanoseconds per check.
func measure(_ name: String, tokens: [UInt8], method: String, target: String, expectAccepted: Bool) {
    var cpu = Double.infinity
    var wall = Double.infinity
    var method = method
    var target = target
    for _ in 0..<runs {
        var accepted = 0
        let wallStart = wallNanoseconds()
        let cpuStart = cpuNanoseconds()
        method.withUTF8 { method in
            target.withUTF8 { target in
                tokens.withUnsafeBytes { tokens in
                    for index in 0..<checks {
                        let start = (index & (sampleCount - 1)) * tokenLength
                        let token = UnsafeRawBufferPointer(rebasing: tokens[start..<start + tokenLength])
                        let verdict = table.verdict(
                            token: token, method: UnsafeRawBufferPointer(method), target: UnsafeRawBufferPointer(target),
                            now: now, rules: rules)
                        if case .accepted = verdict { accepted += 1 }
                    }
                }
            }
        }
        cpu = min(cpu, Double(cpuNanoseconds() - cpuStart) / Double(checks))
        wall = min(wall, Double(wallNanoseconds() - wallStart) / Double(checks))
        precondition((accepted == checks) == expectAccepted, "\(name): \(accepted) of \(checks) accepted")
    }
    report(name, "cpu \((cpu * 10).rounded() / 10) ns, wall \((wall * 10).rounded() / 10) ns")
}

print("ns per check (hash + lookup + expiry + scope), fastest of \(runs) runs of \(checks)")
measure("known keys, GET /v1/users (no rule applies)", tokens: known, method: "GET", target: "/v1/users?page=2", expectAccepted: true)
measure("known keys, POST /v1/tickets/42 (scope checked)", tokens: known, method: "POST", target: "/v1/tickets/42", expectAccepted: true)
measure("unknown keys (invented)", tokens: unknown, method: "GET", target: "/v1/users", expectAccepted: false)
measure("one hot key", tokens: (0..<sampleCount).flatMap { _ in key(7) }, method: "GET", target: "/v1/users", expectAccepted: true)
let hashStart = cpuNanoseconds()
var sink: UInt64 = 0
known.withUnsafeBytes { tokens in
    for index in 0..<checks {
        let start = (index & (sampleCount - 1)) * tokenLength
        sink ^= SHA256Digest(hashing: UnsafeRawBufferPointer(rebasing: tokens[start..<start + tokenLength])).leadingWord
    }
}
report("of which SHA-256 alone", "cpu \((Double(cpuNanoseconds() - hashStart) / Double(checks) * 10).rounded() / 10) ns (\(sink & 1))")
