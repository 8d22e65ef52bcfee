import Config
import Normaliser
import RateLimiter
import XCTest

final class ConfigDefaultsTests: XCTestCase {
    func testOnlyTargetsGivesEveryDefaultOfTheSpec() throws {
        let config = try SluiceConfig.parse(yaml: "upstream:\n  targets: [\"127.0.0.1:3000\"]\n", file: "t.yaml")

        let expected = SluiceConfig(upstream: UpstreamConfig(targets: [UpstreamTarget(HostPort(host: "127.0.0.1", port: 3000))]))
        XCTAssertEqual(config, expected)
        XCTAssertEqual(config.server.listen, HostPort(host: "127.0.0.1", port: 8080))
        XCTAssertEqual(config.server.workers, 0)
        XCTAssertEqual(config.server.maxHeaderBytes, 16_384)
        XCTAssertEqual(config.server.maxHeaderFields, 100)
        XCTAssertEqual(config.server.maxBodyBytes, 10_485_760)
        XCTAssertEqual(config.server.clientTimeout, .seconds(30))
        XCTAssertEqual(config.server.shutdownGrace, .seconds(10))
        XCTAssertEqual(config.admin.listen, HostPort(host: "127.0.0.1", port: 9090))
        XCTAssertEqual(config.admin.token, "")
        XCTAssertEqual(config.upstream.connectTimeout, .seconds(2))
        XCTAssertEqual(config.upstream.responseTimeout, .seconds(30))
        XCTAssertEqual(config.upstream.keepalive, 64)
        XCTAssertEqual(config.upstream.retries, 2)
        XCTAssertEqual(config.upstream.retryBackoff, .milliseconds(50))
        XCTAssertEqual(config.upstream.retryOn, [502, 503, 504])
        XCTAssertEqual(config.upstream.healthCheck, HealthCheckConfig(path: "/health", interval: .seconds(5), timeout: .seconds(1)))
        XCTAssertEqual(config.upstream.circuitBreaker, CircuitBreakerConfig(failures: 5, openFor: .seconds(30)))
        XCTAssertTrue(config.auth.requireAPIKey)
        XCTAssertTrue(config.rateLimit.enabled)
        XCTAssertEqual(config.rateLimit.key, .apiKey)
        XCTAssertEqual(config.rateLimit.limits, [
            LimitRule(name: "hour", requests: 100, per: .seconds(3600)),
            LimitRule(name: "minute", requests: 10, per: .seconds(60)),
        ])
        XCTAssertEqual(config.rateLimit.maxTrackedKeys, 1_000_000)
        XCTAssertEqual(config.rateLimit.store, .memory)
        XCTAssertEqual(config.rateLimit.redis, RedisConfig(address: HostPort(host: "127.0.0.1", port: 6379),
                                                           timeout: .milliseconds(50), onFailure: .allow))
        XCTAssertEqual(config.errors, ErrorsConfig(normalise: true, exposeUpstream5xxMessages: false, rules: []))
        XCTAssertEqual(config.logging, LoggingConfig(level: .info, accessLog: .stdout))
    }

    func testShippedConfigParsesWithTheDemoUpstreamAndDefaultLimits() throws {
        let path = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/sluice.yaml").path

        let config = try SluiceConfig.load(path: path)

        XCTAssertEqual(config, SluiceConfig(upstream: UpstreamConfig(targets: [UpstreamTarget(HostPort(host: "127.0.0.1", port: 3000))])))
    }

    func testEveryKeyCanBeSet() throws {
        let yaml = """
        server:
          listen: "[::1]:0"
          workers: 4
          max_header_bytes: 8KiB
          max_header_fields: 200
          max_body_bytes: 1048576
          client_timeout: 1.5s
          shutdown_grace: 0
        admin:
          listen: "0.0.0.0:9191"
          token: s3cret
        upstream:
          targets:
            - "10.0.0.1:80"
            - "api.internal:8443"
          connect_timeout: 250ms
          response_timeout: 1m
          keepalive: 0
          retries: 0
          retry_backoff: 0.1
          retry_on: [500]
          health_check: { path: "" }
          circuit_breaker: { open_for: 1h }
        auth: { require_api_key: false }
        rate_limit:
          enabled: false
          key: client_ip
          limits: []
          max_tracked_keys: 5000
          store: redis
          redis: { address: "redis:6380", username: sluice, password: s3cret, database: 3, timeout: 10ms, on_failure: deny }
        errors:
          normalise: false
          expose_upstream_5xx_messages: yes
          rules:
            - { status: 422, message: "credit limit", code: INSUFFICIENT_CREDIT_LIMIT }
            - status: 404
              code: NO_SUCH_THING
        logging:
          level: debug
          access_log: /var/log/sluice/access.log
        """
        let config = try SluiceConfig.parse(yaml: yaml, file: "all.yaml")

        XCTAssertEqual(config.server, ServerConfig(listen: HostPort(host: "::1", port: 0), workers: 4, maxHeaderBytes: 8192,
                                                   maxHeaderFields: 200,
                                                   maxBodyBytes: 1_048_576, clientTimeout: .milliseconds(1500),
                                                   shutdownGrace: .zero))
        XCTAssertEqual(config.admin, AdminConfig(listen: HostPort(host: "0.0.0.0", port: 9191), token: "s3cret"))
        XCTAssertEqual(config.upstream, UpstreamConfig(
            targets: [UpstreamTarget(HostPort(host: "10.0.0.1", port: 80)), UpstreamTarget(HostPort(host: "api.internal", port: 8443))],
            connectTimeout: .milliseconds(250), responseTimeout: .seconds(60), keepalive: 0, retries: 0,
            retryBackoff: .milliseconds(100), retryOn: [500],
            healthCheck: HealthCheckConfig(path: "", interval: .seconds(5), timeout: .seconds(1)),
            circuitBreaker: CircuitBreakerConfig(failures: 5, openFor: .seconds(3600))))
        XCTAssertFalse(config.upstream.healthCheck.isEnabled)
        XCTAssertEqual(config.auth, AuthConfig(requireAPIKey: false))
        XCTAssertEqual(config.rateLimit, RateLimitConfig(
            enabled: false, key: .clientIP, limits: [], maxTrackedKeys: 5000, store: .redis,
            redis: RedisConfig(address: HostPort(host: "redis", port: 6380), username: "sluice", password: "s3cret",
                               database: 3, timeout: .milliseconds(10), onFailure: .deny)))
        XCTAssertEqual(config.errors, ErrorsConfig(normalise: false, exposeUpstream5xxMessages: true, rules: [
            CodeRule(status: 422, messageContains: "credit limit", code: "INSUFFICIENT_CREDIT_LIMIT"),
            CodeRule(status: 404, messageContains: nil, code: "NO_SUCH_THING"),
        ]))
        XCTAssertEqual(config.logging, LoggingConfig(level: .debug, accessLog: .file("/var/log/sluice/access.log")))
    }

    func testPartialFlowMappingTakesDefaultsForMissingKeys() throws {
        let yaml = """
        upstream:
          targets: ["127.0.0.1:3000"]
          health_check: { interval: 10s }
          circuit_breaker: { failures: 3 }
        """
        let config = try SluiceConfig.parse(yaml: yaml, file: "t.yaml")

        XCTAssertEqual(config.upstream.healthCheck, HealthCheckConfig(path: "/health", interval: .seconds(10), timeout: .seconds(1)))
        XCTAssertEqual(config.upstream.circuitBreaker, CircuitBreakerConfig(failures: 3, openFor: .seconds(30)))
    }

    func testEmptySectionsAndCommentsTakeDefaults() throws {
        let yaml = """
        # only comments under these
        server:
        admin:
          # listen: "127.0.0.1:9999"
        upstream:
          targets: ["127.0.0.1:3000"]
        """
        let config = try SluiceConfig.parse(yaml: yaml, file: "t.yaml")

        XCTAssertEqual(config.server, .default)
        XCTAssertEqual(config.admin, .default)
    }

    func testAdminListenCanBeDisabled() throws {
        for value in ["\"\"", "off", "~", "\"off\""] {
            let yaml = "admin: { listen: \(value) }\nupstream: { targets: [\"127.0.0.1:3000\"] }\n"
            let config = try SluiceConfig.parse(yaml: yaml, file: "t.yaml")
            XCTAssertNil(config.admin.listen, value)
        }
    }

    func testAccessLogDestinations() throws {
        let cases: [(String, AccessLogDestination)] = [
            ("stdout", .stdout), ("off", .off), ("\"off\"", .off), ("false", .off),
            ("stderr", .file("/dev/stderr")), ("logs/access.jsonl", .file("logs/access.jsonl")),
        ]
        for (value, expected) in cases {
            let yaml = "logging: { access_log: \(value) }\nupstream: { targets: [\"127.0.0.1:3000\"] }\n"
            XCTAssertEqual(try SluiceConfig.parse(yaml: yaml, file: "t.yaml").logging.accessLog, expected, value)
        }
    }

    func testAdminAndServerMayBothUsePortZero() throws {
        let yaml = """
        server: { listen: "127.0.0.1:0" }
        admin: { listen: "127.0.0.1:0" }
        upstream: { targets: ["127.0.0.1:3000"] }
        """
        let config = try SluiceConfig.parse(yaml: yaml, file: "t.yaml")

        XCTAssertEqual(config.server.listen.port, 0)
        XCTAssertEqual(config.admin.listen?.port, 0)
    }

    func testAnchorsAndAliasesAreFollowed() throws {
        let yaml = """
        upstream:
          targets: &targets ["127.0.0.1:3000"]
          connect_timeout: &short 1s
          response_timeout: *short
        """
        let config = try SluiceConfig.parse(yaml: yaml, file: "t.yaml")

        XCTAssertEqual(config.upstream.responseTimeout, .seconds(1))
    }
}
