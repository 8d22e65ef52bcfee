import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Starting two sluice instances that share a Redis, sending them requests, and checking what came back.
extension RedisIntegrationTests {
    /// What one request through sluice came back with (Sendable, for requests sent from several threads).
    struct Outcome: Sendable {
        var status: Int
        var remaining: Int?
        var limit: String?
        var reset: Int?
        var retryAfter: Int?
        /// `X-RateLimit-Remaining-Minute` and the `r` of `RateLimit`, which must agree with `remaining`.
        var otherRemainings: [Int?] = []
        var code: String?
        /// Unix time in seconds when the request was sent.
        var sentAt: TimeInterval = 0
        /// From connecting to the last byte of the response.
        var seconds: TimeInterval
        /// Why no response came, if none did.
        var failure: String?
    }

    /// Starts Redis and two sluice instances (2 workers each) in front of the upstream, limiting by API key (or,
    /// with `key: "client_ip"`, by address) with `limits` in that Redis (or, with `store: "memory"`, each in its own
    /// memory); returns their public ports.
    func startInstancesSharingRedis(timeout: String, onFailure: String, store: String = "redis", limits: [String] = minuteLimit,
                                    key: String = "api_key") throws -> [UInt16] {
        redis = try RedisTestServer()
        let configuration = instanceConfig(timeout: timeout, onFailure: onFailure, store: store, limits: limits, key: key)
        let first = try startSluice { $0 = configuration }
        let second = try SluiceProcess(config: configuration)
        secondSluice = second
        return [first.port, second.port]
    }

    /// The configuration of both instances.
    func instanceConfig(timeout: String, onFailure: String, store: String, limits: [String] = minuteLimit,
                        key: String = "api_key") -> SluiceConfig {
        config { config in
            config.server = ["workers: 2"]
            config.auth = ["require_api_key: \(key == "api_key")"]
            config.rateLimit = ["enabled: true", "key: \(key)", "store: \(store)"] + limits + [
                "redis: { address: \"\(redis.address)\", timeout: \(timeout), on_failure: \(onFailure) }",
            ]
        }
    }

    /// Rewrites both instances' configuration files and reloads them (SIGHUP), waiting for each to log the reload.
    func reloadInstances(_ configuration: SluiceConfig) throws {
        for instance in [sluice, secondSluice].compactMap({ $0 }) {
            let reloadsBefore = instance.output.components(separatedBy: "reloaded").count
            try configuration.yaml.write(toFile: instance.configPath, atomically: true, encoding: .utf8)
            instance.signal(SIGHUP)
            let deadline = Date().addingTimeInterval(10)
            while instance.output.components(separatedBy: "reloaded").count == reloadsBefore {
                guard Date() < deadline else { return XCTFail("no reload logged:\n\(instance.output)") }
                usleep(10_000)
            }
        }
    }

    /// Sends `GET /v1/redis` with `key` (none when nil) on a new connection to the instance listening on `port`.
    static func response(_ port: UInt16, key: String?) throws -> HTTPResponse? {
        let client = try RawHTTPClient(port: port)
        defer { client.close() }
        return try client.request("GET", "/v1/redis", headers: key.map { [("Authorization", "Bearer \($0)")] } ?? [])
    }

    /// `response(port, key:)` as an `Outcome`, failures included.
    static func get(_ port: UInt16, key: String?) -> Outcome {
        let started = Date()
        do {
            guard let response = try response(port, key: key) else {
                return Outcome(status: 0, seconds: Date().timeIntervalSince(started), failure: "closed without a response")
            }
            return Outcome(status: response.status, remaining: response.header("X-RateLimit-Remaining").flatMap { Int($0) },
                           limit: response.header("X-RateLimit-Limit"), reset: response.header("X-RateLimit-Reset").flatMap { Int($0) },
                           retryAfter: response.header("Retry-After").flatMap { Int($0) },
                           otherRemainings: [response.header("X-RateLimit-Remaining-Minute").flatMap { Int($0) },
                                             rateLimitField(response.header("RateLimit")).map(\.remaining)],
                           code: response.errorCode, sentAt: started.timeIntervalSince1970, seconds: Date().timeIntervalSince(started))
        } catch {
            return Outcome(status: 0, seconds: Date().timeIntervalSince(started), failure: "\(error)")
        }
    }

    /// Polls with a fresh key per round (one request to each instance) until the second instance sees the
    /// first one's token gone, i.e. both decided in Redis.
    func waitUntilInstancesShare(_ instances: [UInt16], deadline: Date) throws {
        var round = 0, last: [Outcome] = []
        while Date() < deadline {
            round += 1
            last = instances.map { Self.get($0, key: "key-probe-\(round)") }
            if last.map(\.remaining) == [9, 8] { return }
            XCTAssertEqual(last.map(\.status), [200, 200], "probe \(round): \(Self.summary(last))")
            usleep(100_000)
        }
        XCTFail("the instances did not share a limit again within 5 s of Redis coming back: \(Self.summary(last))")
    }

    /// Checks that `response` is the upstream's `/echo` answer to `body` (compared with its answer given directly).
    func assertEchoedBody(_ response: HTTPResponse, _ body: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(response.status, 200, response.text.prefix(200).description, file: file, line: line)
        let echoed = try XCTUnwrap(EchoedRequest(response), "not an /echo answer", file: file, line: line)
        let direct = try XCTUnwrap(EchoedRequest(try XCTUnwrap(try upstream.connect().request("POST", "/echo", body: body))))
        XCTAssertEqual(echoed.bodyLength, body.count, file: file, line: line)
        XCTAssertEqual(echoed.bodySHA256, direct.bodySHA256, "the body arrived changed", file: file, line: line)
    }

    /// Waits briefly for the upstream's request count to reach `expected`, then checks it is exactly that.
    func assertUpstreamHits(_ expected: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let deadline = Date().addingTimeInterval(2)
        var hits = try upstream.hits()
        while hits < expected && Date() < deadline {
            usleep(10_000)
            hits = try upstream.hits()
        }
        XCTAssertEqual(hits, expected, "requests the upstream received", file: file, line: line)
    }

    /// `status/remaining` of each outcome (and why none came), for failure messages.
    static func summary(_ outcomes: [Outcome]) -> String {
        outcomes.map { "\($0.status)/\($0.remaining.map(String.init) ?? "-")\($0.failure.map { " (\($0))" } ?? "")" }
            .joined(separator: " ")
    }
}
