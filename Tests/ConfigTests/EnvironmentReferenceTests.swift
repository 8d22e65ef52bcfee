import Config
import XCTest

/// `${NAME}` in values is replaced by the environment variable NAME when the file is read (SPEC §3).
final class EnvironmentReferenceTests: XCTestCase {
    private let targets = "upstream: { targets: [\"127.0.0.1:3000\"] }\n"
    private let environment: @Sendable (String) -> String? = { name in
        ["ADMIN_TOKEN": "s3cret", "PORT": "9191", "EMPTY": "", "SECRET": "hunter2"][name]
    }

    private func parse(_ yaml: String) throws(ConfigError) -> SluiceConfig {
        try SluiceConfig.parse(yaml: targets + yaml, file: "sluice.yaml", environment: environment)
    }

    /// The problems of `yaml` as `sluice check` prints them; nil (and a failure) when it has none.
    private func printedProblems(_ yaml: String, line: UInt = #line) -> String? {
        do {
            _ = try parse(yaml)
            XCTFail("expected a problem in \(yaml)", line: line)
            return nil
        } catch {
            return error.description
        }
    }

    func testReferencesAreReplacedInAnyValue() throws {
        let config = try parse("admin:\n  listen: \"127.0.0.1:${PORT}\"\n  token: ${ADMIN_TOKEN}\n")
        XCTAssertEqual(config.admin.token, "s3cret")
        XCTAssertEqual(config.admin.listen?.port, 9191)
    }

    func testTheRedisPasswordComesFromTheEnvironment() throws {
        let config = try parse("rate_limit:\n  redis: { username: limiter, password: \"${SECRET}\" }\n")
        XCTAssertEqual(config.rateLimit.redis.password, "hunter2")
        XCTAssertEqual(config.rateLimit.redis.username, "limiter")
    }

    func testDollarDollarBraceIsALiteralAndALoneDollarStays() throws {
        XCTAssertEqual(try parse("admin:\n  token: \"a$${ADMIN_TOKEN}$b$\"\n").admin.token, "a${ADMIN_TOKEN}$b$")
    }

    func testAVariableSetToTheEmptyStringGivesTheEmptyString() throws {
        XCTAssertEqual(try parse("admin:\n  token: \"x${EMPTY}y\"\n").admin.token, "xy")
    }

    func testAnUnsetVariableIsAProblemAtItsLine() {
        XCTAssertEqual(printedProblems("admin:\n  listen: \"127.0.0.1:9090\"\n  token: ${UNSET_TOKEN}\n"),
                       "sluice.yaml:4: admin.token: environment variable UNSET_TOKEN is not set")
    }

    func testAMalformedReferenceIsAProblem() {
        for value in ["\"${ADMIN_TOKEN\"", "\"${}\"", "\"${1X}\"", "\"${A-B}\""] {
            let printed = printedProblems("admin:\n  token: \(value)\n") ?? ""
            XCTAssertTrue(printed.hasPrefix("sluice.yaml:3: admin.token: "), printed)
            XCTAssertTrue(printed.contains("is not a reference to an environment variable"), printed)
        }
    }

    func testAProblemWithAValueFromTheEnvironmentQuotesTheReferenceNotTheValue() {
        XCTAssertEqual(printedProblems("server:\n  workers: ${SECRET}\n"),
                       "sluice.yaml:3: server.workers: \"${SECRET}\" is not a whole number (a whole number from 0 to 1024)")
    }

    func testWithoutAnEnvironmentEveryReferenceIsUnset() {
        XCTAssertThrowsError(try SluiceConfig.parse(yaml: targets + "admin: { token: \"${ADMIN_TOKEN}\" }\n", file: "f"))
    }
}
