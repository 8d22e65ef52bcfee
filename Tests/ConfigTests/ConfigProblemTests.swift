import Config
import XCTest

/// Parses `yaml` and returns the problems it has; fails the test if it has none.
func problems(in yaml: String, file: StaticString = #filePath, line: UInt = #line) -> [ConfigProblem] {
    do {
        _ = try SluiceConfig.parse(yaml: yaml, file: "sluice.yaml")
        XCTFail("expected problems in:\n\(yaml)", file: file, line: line)
        return []
    } catch {
        return error.problems
    }
}

final class ConfigProblemTests: XCTestCase {
    private struct Case {
        let yaml: String
        let line: Int
        let keyPath: String
        let says: String
    }

    private let targets = "upstream: { targets: [\"127.0.0.1:3000\"] }\n"

    func testEachKindOfProblemIsReportedAtItsLineAndKeyPath() {
        let cases: [Case] = [
            // unknown keys, at every level
            Case(yaml: "\(targets)servr: {}\n", line: 2, keyPath: "servr", says: "unknown key (did you mean \"server\"?)"),
            Case(yaml: "\(targets)server:\n  listne: \"1.2.3.4:80\"\n", line: 3, keyPath: "server.listne", says: "did you mean \"listen\"?"),
            Case(yaml: "\(targets)server:\n  colour: red\n", line: 3, keyPath: "server.colour", says: "unknown key (allowed here: listen, workers"),
            Case(yaml: "\(targets)rate_limit:\n  limits:\n    - { name: a, requests: 1, per: 1s, burst: 2 }\n",
                 line: 4, keyPath: "rate_limit.limits[0].burst", says: "unknown key"),
            // wrong types
            Case(yaml: "\(targets)server: 5\n", line: 2, keyPath: "server", says: "is a value, expected a mapping (keys: listen,"),
            Case(yaml: "\(targets)server:\n  workers: [1]\n", line: 3, keyPath: "server.workers", says: "is a list, expected a single value (a whole number from 0 to 1024)"),
            Case(yaml: "\(targets)server:\n  workers: four\n", line: 3, keyPath: "server.workers", says: "\"four\" is not a whole number (a whole number from 0 to 1024)"),
            Case(yaml: "\(targets)server:\n  workers:\n", line: 3, keyPath: "server.workers", says: "has no value"),
            Case(yaml: "\(targets)auth:\n  require_api_key: maybe\n", line: 3, keyPath: "auth.require_api_key", says: "\"maybe\" is not a boolean (true or false)"),
            Case(yaml: "upstream:\n  targets: \"127.0.0.1:3000\"\n", line: 2, keyPath: "upstream.targets", says: "is a value, expected a list"),
            // out of range numbers
            Case(yaml: "\(targets)server:\n  workers: -1\n", line: 3, keyPath: "server.workers", says: "-1 is too small (a whole number from 0 to 1024)"),
            Case(yaml: "\(targets)upstream2: 1\n", line: 2, keyPath: "upstream2", says: "did you mean \"upstream\"?"),
            Case(yaml: "upstream:\n  targets: [\"127.0.0.1:3000\"]\n  retries: 11\n", line: 3, keyPath: "upstream.retries", says: "11 is too large (a whole number from 0 to 10)"),
            Case(yaml: "upstream:\n  targets: [\"127.0.0.1:3000\"]\n  circuit_breaker: { failures: 0 }\n", line: 3, keyPath: "upstream.circuit_breaker.failures", says: "0 is too small"),
            // durations and sizes
            Case(yaml: "\(targets)server:\n  client_timeout: 10x\n", line: 3, keyPath: "server.client_timeout", says: "\"10x\" has an unknown unit \"x\" (a duration such as 250ms, 10s, 1m, 1h or plain seconds, from 10ms to 1h)"),
            Case(yaml: "\(targets)server:\n  client_timeout: -5s\n", line: 3, keyPath: "server.client_timeout", says: "\"-5s\" is negative"),
            Case(yaml: "\(targets)server:\n  client_timeout: 0\n", line: 3, keyPath: "server.client_timeout", says: "\"0\" is too small"),
            Case(yaml: "\(targets)server:\n  client_timeout: 2h\n", line: 3, keyPath: "server.client_timeout", says: "\"2h\" is too large"),
            Case(yaml: "\(targets)server:\n  max_body_bytes: 10MB\n", line: 3, keyPath: "server.max_body_bytes", says: "ambiguous unit \"MB\""),
            Case(yaml: "\(targets)server:\n  max_header_bytes: 2MiB\n", line: 3, keyPath: "server.max_header_bytes", says: "\"2MiB\" is too large (bytes, or a number with B, KiB, MiB or GiB, from 256B to 1MiB)"),
            Case(yaml: "\(targets)server:\n  max_body_bytes: 0\n", line: 3, keyPath: "server.max_body_bytes", says: "\"0\" is too small"),
            // addresses
            Case(yaml: "\(targets)server:\n  listen: 8080\n", line: 3, keyPath: "server.listen", says: "\"8080\" has no port (host:port such as 127.0.0.1:8080 or [::1]:8080, port 0 to 65535"),
            Case(yaml: "\(targets)server:\n  listen: \"::1:8080\"\n", line: 3, keyPath: "server.listen", says: "IPv6 address without brackets"),
            Case(yaml: "\(targets)server:\n  listen: \"127.0.0.1:70000\"\n", line: 3, keyPath: "server.listen", says: "\"70000\" is not a port"),
            Case(yaml: "upstream:\n  targets:\n    - \"127.0.0.1:3000\"\n    - \"127.0.0.1:0\"\n", line: 4, keyPath: "upstream.targets[1]", says: "port 0 is not a port to connect to (host:port or https://host:port such as 127.0.0.1:3000 or https://api.internal:443, port 1 to 65535)"),
            Case(yaml: "upstream:\n  targets: [\"a:1\", \"a:1\"]\n", line: 2, keyPath: "upstream.targets[1]", says: "a:1 is listed twice"),
            Case(yaml: "\(targets)rate_limit:\n  redis: { address: \"300.1.1.1:6379\" }\n", line: 3, keyPath: "rate_limit.redis.address", says: "is not an IPv4 address"),
            // enums
            Case(yaml: "\(targets)rate_limit:\n  key: user\n", line: 3, keyPath: "rate_limit.key", says: "\"user\" is not a choice (one of: api_key, client_ip)"),
            Case(yaml: "\(targets)rate_limit:\n  store: postgres\n", line: 3, keyPath: "rate_limit.store", says: "(one of: memory, redis)"),
            Case(yaml: "\(targets)rate_limit:\n  redis:\n    on_failure: retry\n", line: 4, keyPath: "rate_limit.redis.on_failure", says: "(one of: allow, deny)"),
            Case(yaml: "\(targets)rate_limit:\n  redis:\n    database: -1\n", line: 4, keyPath: "rate_limit.redis.database", says: "-1 is too small"),
            Case(yaml: "\(targets)rate_limit:\n  redis:\n    cluster: [\"127.0.0.1:7000\"]\n    database: 3\n", line: 5, keyPath: "rate_limit.redis.database", says: "is 3 with a cluster (a Redis Cluster has only database 0)"),
            Case(yaml: "\(targets)rate_limit:\n  redis:\n    cluster: [\"127.0.0.1:7000\", \"127.0.0.1:0\"]\n", line: 4, keyPath: "rate_limit.redis.cluster[1]", says: "port 0 is not a port to connect to"),
            Case(yaml: "\(targets)rate_limit:\n  redis:\n    cluster: \"127.0.0.1:7000\"\n", line: 4, keyPath: "rate_limit.redis.cluster", says: "expected a list (a list of seed nodes"),
            Case(yaml: "\(targets)rate_limit:\n  redis:\n    username: sluice\n", line: 4, keyPath: "rate_limit.redis.username", says: "is set without a password"),
            Case(yaml: "\(targets)rate_limit:\n  redis:\n    password: \"two words\"\n", line: 4, keyPath: "rate_limit.redis.password", says: "has a space or a control character"),
            Case(yaml: "\(targets)logging:\n  level: verbose\n", line: 3, keyPath: "logging.level", says: "(one of: trace, debug, info, warning, error)"),
            Case(yaml: "\(targets)logging:\n  access_log: \"\"\n", line: 3, keyPath: "logging.access_log", says: "the path is empty (stdout, off, or a file path)"),
            // limits
            Case(yaml: "\(targets)rate_limit:\n  limits:\n    - { name: hour, requests: 100, per: 1h }\n    - { name: hour, requests: 10, per: 1m }\n",
                 line: 5, keyPath: "rate_limit.limits[1].name", says: "\"hour\" is the name of limits[0] too"),
            Case(yaml: "\(targets)rate_limit:\n  limits:\n    - { name: Per Minute, requests: 10, per: 1m }\n",
                 line: 4, keyPath: "rate_limit.limits[0].name", says: "has characters other than a-z, 0-9, _ and -"),
            Case(yaml: "\(targets)rate_limit:\n  limits:\n    - name: minute\n      requests: 10\n",
                 line: 4, keyPath: "rate_limit.limits[0].per", says: "is missing (a duration"),
            Case(yaml: "\(targets)rate_limit:\n  limits:\n    - { name: minute, requests: 0, per: 1m }\n",
                 line: 4, keyPath: "rate_limit.limits[0].requests", says: "0 is too small"),
            Case(yaml: "\(targets)rate_limit:\n  limits: []\n", line: 3, keyPath: "rate_limit.limits", says: "is empty while rate limiting is enabled"),
            Case(yaml: "\(targets)rate_limit:\n  limits:\n    - minute\n", line: 4, keyPath: "rate_limit.limits[0]", says: "is a value, expected a mapping"),
            // retry_on and error rules
            Case(yaml: "upstream:\n  targets: [\"127.0.0.1:3000\"]\n  retry_on: [502, 600]\n", line: 3, keyPath: "upstream.retry_on[1]", says: "600 is too large (a whole number from 100 to 599)"),
            Case(yaml: "\(targets)errors:\n  rules:\n    - { status: 422, code: creditLimit }\n", line: 4, keyPath: "errors.rules[0].code", says: "\"creditLimit\" is not UPPER_SNAKE_CASE"),
            Case(yaml: "\(targets)errors:\n  rules:\n    - { status: 200, code: OK }\n", line: 4, keyPath: "errors.rules[0].status", says: "200 is too small (a whole number from 400 to 599)"),
            Case(yaml: "\(targets)errors:\n  rules:\n    - { status: 422 }\n", line: 4, keyPath: "errors.rules[0].code", says: "is missing (UPPER_SNAKE_CASE"),
            Case(yaml: "\(targets)errors:\n  rules:\n    - { status: 422, message: \"\", code: X }\n", line: 4, keyPath: "errors.rules[0].message", says: "the text is empty"),
            // missing and empty targets
            Case(yaml: "# comment\nserver:\n  workers: 2\n", line: 1, keyPath: "upstream.targets", says: "is missing (a list of one or more host:port"),
            Case(yaml: "server:\n  workers: 2\nupstream:\n  retries: 1\n", line: 3, keyPath: "upstream.targets", says: "is missing"),
            Case(yaml: "upstream:\n  retries: 1\n  targets: []\n", line: 3, keyPath: "upstream.targets", says: "is empty"),
            Case(yaml: "", line: 1, keyPath: "upstream.targets", says: "is missing"),
            // semantic checks across keys
            Case(yaml: "upstream:\n  targets: [\"127.0.0.1:3000\"]\n  health_check: { interval: 1s, timeout: 1s }\n", line: 3,
                 keyPath: "upstream.health_check.timeout", says: "1s is not less than interval 1s"),
            Case(yaml: "\(targets)server: { listen: \"127.0.0.1:8080\" }\nadmin:\n  listen: \"0.0.0.0:8080\"\n", line: 4,
                 keyPath: "admin.listen", says: "0.0.0.0:8080 clashes with server.listen 127.0.0.1:8080"),
            Case(yaml: "\(targets)admin:\n  token: \"two words\"\n", line: 3, keyPath: "admin.token", says: "contains spaces"),
            Case(yaml: "\(targets)upstream_:\n", line: 2, keyPath: "upstream_", says: "unknown key"),
            Case(yaml: "\(targets)upstream:\n  targets: [\"127.0.0.1:3001\"]\n", line: 2, keyPath: "upstream", says: "is given twice (first at line 1"),
            Case(yaml: "\(targets)server:\n  workers: 1\n  workers: 2\n", line: 4, keyPath: "server.workers", says: "is given twice (first at line 3"),
            Case(yaml: "upstream:\n  targets: [\"a:1\"]\n  \"targets\": [\"b:1\"]\n", line: 3, keyPath: "upstream.targets", says: "is given twice (first at line 2"),
            Case(yaml: "\(targets)rate_limit:\n  limits:\n    - { name: a, name: b, requests: 1, per: 1s }\n", line: 4,
                 keyPath: "rate_limit.limits[0].name", says: "is given twice"),
        ]
        for testCase in cases {
            let found = problems(in: testCase.yaml)
            let context = "\(testCase.yaml)\n→ \(found)"
            XCTAssertEqual(found.count, 1, context)
            guard let problem = found.first else { continue }
            XCTAssertEqual(problem.file, "sluice.yaml", context)
            XCTAssertEqual(problem.line, testCase.line, context)
            XCTAssertEqual(problem.keyPath, testCase.keyPath, context)
            XCTAssertTrue(problem.message.contains(testCase.says), "\"\(problem.message)\" lacks \"\(testCase.says)\"\n\(context)")
        }
    }

    func testSeveralProblemsAreReportedAtOnceInDocumentOrder() {
        let yaml = """
        server:
          listen: "127.0.0.1:8080"
          workers: many
          client_timeout: 5y
        upstream:
          retries: 99
        rate_limit:
          limits:
            - { name: Hour, requests: 100, per: 1h }
        logging:
          level: loud
          colour: true
        """
        let found = problems(in: yaml)

        XCTAssertEqual(found.map(\.line), [3, 4, 5, 6, 9, 11, 12])
        XCTAssertEqual(found.map(\.keyPath), [
            "server.workers", "server.client_timeout", "upstream.targets", "upstream.retries",
            "rate_limit.limits[0].name", "logging.level", "logging.colour",
        ])
    }

    func testDescriptionIsFileLineKeyPathMessage() throws {
        let yaml = "upstream:\n  targets: [\"127.0.0.1:3000\"]\n  retries: -2\nlogging: { level: loud }\n"
        do {
            _ = try SluiceConfig.parse(yaml: yaml, file: "config/sluice.yaml")
            XCTFail("expected problems")
        } catch {
            XCTAssertEqual(error.description, """
            config/sluice.yaml:3: upstream.retries: -2 is too small (a whole number from 0 to 10)
            config/sluice.yaml:4: logging.level: "loud" is not a choice (one of: trace, debug, info, warning, error)
            """)
        }
    }

    func testYAMLSyntaxErrorIsOneProblemAtYamsLine() {
        let yaml = "upstream:\n  targets: [\"127.0.0.1:3000\"\nserver:\n  workers: 1\n"
        let found = problems(in: yaml)

        XCTAssertEqual(found.count, 1)
        XCTAssertEqual(found.first?.keyPath, "")
        XCTAssertTrue(found.first?.message.hasPrefix("invalid YAML: ") ?? false, "\(found)")
        XCTAssertGreaterThanOrEqual(found.first?.line ?? 0, 2)
    }

    func testTabIndentationIsASyntaxError() {
        let found = problems(in: "upstream:\n\ttargets: [\"127.0.0.1:3000\"]\n")

        XCTAssertEqual(found.count, 1)
        XCTAssertEqual(found.first?.line, 2)
    }

    func testDuplicateKeyDoesNotHideOtherProblems() {
        let yaml = """
        upstream:
          targets: ["127.0.0.1:3000"]
          retries: 1
          retries: 2
        logging:
          level: loud
        """
        let found = problems(in: yaml)

        XCTAssertEqual(found.map(\.line), [4, 6])
        XCTAssertEqual(found.map(\.keyPath), ["upstream.retries", "logging.level"])
    }

    func testUnreadableFileIsOneProblemWithoutLine() {
        do {
            _ = try SluiceConfig.load(path: "/nonexistent/sluice.yaml")
            XCTFail("expected a problem")
        } catch {
            XCTAssertEqual(error.problems.count, 1)
            XCTAssertEqual(error.problems.first?.line, 0)
            XCTAssertTrue(error.description.hasPrefix("/nonexistent/sluice.yaml: cannot open the file: No such file"), error.description)
        }
    }

    func testRootThatIsNotAMappingIsReported() {
        let found = problems(in: "- a\n- b\n")

        XCTAssertEqual(found.first?.line, 1)
        XCTAssertTrue(found.first?.message.contains("expected a mapping (keys: server, admin, upstream") ?? false, "\(found)")
    }
}
