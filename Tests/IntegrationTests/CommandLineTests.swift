import Foundation
import XCTest

/// `sluice check`, the shipped configuration, and signals.
final class CommandLineTests: IntegrationTestCase {
    /// Writes `yaml` to a temporary file and runs `sluice ARGUMENTS --config FILE` on it.
    private func runSluice(_ arguments: [String], yaml: String,
                           environment: [String: String] = [:]) throws -> (status: Int32, output: String, path: String) {
        let path = try SluiceProcess.writeTemporaryConfig(yaml)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (status, output) = try SluiceProcess.run(arguments + ["--config", path], environment: environment)
        return (status, output, path)
    }

    func testCheckAcceptsAValidFile() throws {
        let (status, output, _) = try runSluice(["check"], yaml: config().yaml)
        XCTAssertEqual(status, 0, output)
    }

    func testCheckReportsEveryProblemWithFileAndLineAndExits2() throws {
        let yaml = """
            server:
              listen: "127.0.0.1:0"
              lisen: "127.0.0.1:1"
              client_timeout: soon
            upstream:
              targets: ["127.0.0.1:1"]

            """
        let (status, output, path) = try runSluice(["check"], yaml: yaml)
        XCTAssertEqual(status, 2, output)
        XCTAssertTrue(output.contains("\(path):3:"), "unknown key not reported at line 3:\n\(output)")
        XCTAssertTrue(output.contains("server.lisen"), output)
        XCTAssertTrue(output.contains("\(path):4:"), "bad duration not reported at line 4:\n\(output)")
        XCTAssertTrue(output.contains("server.client_timeout"), output)
    }

    func testCheckReportsBadTrustedProxiesAtTheirLines() throws {
        let yaml = """
            server:
              listen: "127.0.0.1:0"
              trusted_proxies:
                - "10.0.0.0/8"
                - "10.0.0.0/40"
                - "not-an-address"
            upstream:
              targets: ["127.0.0.1:1"]

            """
        let (status, output, path) = try runSluice(["check"], yaml: yaml)
        XCTAssertEqual(status, 2, output)
        XCTAssertTrue(output.contains("\(path):5: server.trusted_proxies[1]: the prefix length 40 is beyond 32"), output)
        XCTAssertTrue(output.contains("\(path):6: server.trusted_proxies[2]: \"not-an-address\" is not an IPv4 or IPv6 address"), output)
        XCTAssertFalse(output.contains(":4:"), "a valid range was reported:\n\(output)")
    }

    func testCheckReportsMissingTargetsAtTheParentMapping() throws {
        let yaml = """
            server:
              listen: "127.0.0.1:0"
            upstream:
              retries: 1

            """
        let (status, output, path) = try runSluice(["check"], yaml: yaml)
        XCTAssertEqual(status, 2, output)
        XCTAssertTrue(output.contains("\(path):3:"), "missing upstream.targets not reported at line 3:\n\(output)")
        XCTAssertTrue(output.contains("upstream.targets"), output)
    }

    func testCheckReplacesEnvironmentReferencesAndReportsAnUnsetOneAtItsLine() throws {
        let yaml = config { $0.admin = ["token: ${SLUICE_TEST_ADMIN_TOKEN}"] }.yaml
        let (status, output, _) = try runSluice(["check"], yaml: yaml, environment: ["SLUICE_TEST_ADMIN_TOKEN": "s3cret"])
        XCTAssertEqual(status, 0, output)
        let line = 1 + (yaml.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("SLUICE_TEST_ADMIN") } ?? -1)
        let (unsetStatus, unsetOutput, path) = try runSluice(["check"], yaml: yaml)
        XCTAssertEqual(unsetStatus, 2, unsetOutput)
        XCTAssertTrue(unsetOutput.contains("\(path):\(line): admin.token: environment variable SLUICE_TEST_ADMIN_TOKEN is not set"),
                      unsetOutput)
    }

    func testARunningSluiceUsesTheValueOfAnEnvironmentReference() throws {
        let sluice = try SluiceProcess(config: config { $0.admin = ["token: \"${SLUICE_TEST_ADMIN_TOKEN}\""] },
                                       environment: ["SLUICE_TEST_ADMIN_TOKEN": "from-the-environment"])
        self.sluice = sluice
        XCTAssertEqual(try sluice.adminRequest("/stats").status, 401)
        XCTAssertEqual(try sluice.adminRequest("/stats", headers: [("Authorization", "Bearer from-the-environment")]).status, 200)
    }

    func testCheckReportsLimitsTheLimiterCannotEnforceExactly() throws {
        let yaml = config {
            $0.rateLimit = ["enabled: true", "limits:"] + (1...9).map { "  - { name: l\($0), requests: 10, per: \($0)m }" }
                + ["  - { name: year, requests: 1000000000, per: 365d }"]
        }.yaml
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        let ninth = 1 + (lines.firstIndex { $0.contains("name: l9,") } ?? -1)
        let year = 1 + (lines.firstIndex { $0.contains("name: year") } ?? -1)
        let (status, output, path) = try runSluice(["check"], yaml: yaml)
        XCTAssertEqual(status, 2, output)
        XCTAssertTrue(output.contains("\(path):\(ninth): rate_limit.limits[8]: is limit number 9 (at most 8 limits"), output)
        XCTAssertTrue(output.contains("\(path):\(year): rate_limit.limits[9]: "), output)
        XCTAssertTrue(output.contains("2^53"), output)
    }

    func testSluiceRefusesToStartOnAnInvalidFile() throws {
        let (status, output, path) = try runSluice([], yaml: "server:\n  workers: many\nupstream:\n  targets: [\"127.0.0.1:1\"]\n")
        XCTAssertEqual(status, 2, output)
        XCTAssertTrue(output.contains("\(path):2:"), output)
    }

    func testAnAccessLogThatCannotBeOpenedStopsTheStartWithTheFileAndTheReason() throws {
        let path = "/nonexistent-\(getpid())/access.log"
        let yaml = "server:\n  listen: \"127.0.0.1:0\"\nupstream:\n  targets: [\"127.0.0.1:1\"]\nlogging:\n  access_log: \(path)\n"
        let (status, output, _) = try runSluice([], yaml: yaml)
        XCTAssertEqual(status, 1, output)
        XCTAssertTrue(output.contains("cannot start error=cannot open access log \(path): No such file or directory"), output)
    }

    func testShippedConfigurationPassesCheck() throws {
        let shipped = BinaryLocator.packageRoot.appendingPathComponent("config/sluice.yaml").path
        XCTAssertTrue(FileManager.default.fileExists(atPath: shipped), "missing \(shipped)")
        let (status, output) = try SluiceProcess.run(["check", "--config", shipped])
        XCTAssertEqual(status, 0, output)
    }

    func testHelpShowsTheWholeUsageAndTheSignals() throws {
        for flag in ["--help", "-h"] {
            let (status, output) = try SluiceProcess.run([flag])
            XCTAssertEqual(status, 0, output)
            for expected in ["USAGE: sluice [--config <path>]", "sluice check [--config <path>]", "sluice keys new",
                             "sluice keys hash", "sluice --version",
                             "default config/sluice.yaml", "SIGHUP", "SIGTERM, SIGINT", "server.shutdown_grace", "SIGUSR1",
                             "access-log", "/stats", "/metrics", "dashboard", "auth.keys_file", "/keys/<id>"] {
                XCTAssertTrue(output.contains(expected), "\(flag) does not mention \(expected):\n\(output)")
            }
            let tooWide = output.split(separator: "\n").filter { $0.count > 80 }
            XCTAssertEqual(tooWide, [], "lines wider than 80 columns")
        }
        let (status, output) = try SluiceProcess.run(["--version"])
        XCTAssertEqual(status, 0)
        XCTAssertEqual(output.trimmingCharacters(in: .whitespacesAndNewlines), "0.1.0")
    }

    func testSigtermStopsSluiceWithExitZero() throws {
        let sluice = try startSluice()
        XCTAssertEqual(try send(try connectToSluice(), "GET", "/v1/before-term").status, 200)
        sluice.signal(SIGTERM)
        XCTAssertEqual(try sluice.waitForExit(timeout: 15), 0, sluice.output)
    }
}
