import Config
import XCTest

/// `server.trusted_proxies` and `server.underscores_in_headers` (SPEC §3, §4).
final class ForwardingSettingsTests: XCTestCase {
    private let targets = "upstream: { targets: [\"127.0.0.1:3000\"] }\n"

    private func address(_ text: String) -> IPAddress {
        guard let address = IPAddress(parsing: text) else {
            XCTFail("\(text) did not parse")
            return IPAddress(high: 0, low: 0)
        }
        return address
    }

    func testDefaultsTrustNoProxyAndDropUnderscoredNames() throws {
        let config = try SluiceConfig.parse(yaml: targets, file: "sluice.yaml")
        XCTAssertTrue(config.server.trustedProxies.isEmpty)
        XCTAssertFalse(config.server.trustedProxies.contains(address("127.0.0.1")))
        XCTAssertFalse(config.server.underscoresInHeaders)
    }

    func testAddressesAndRangesOfBothFamiliesAreRead() throws {
        let yaml = targets + """
        server:
          underscores_in_headers: true
          trusted_proxies: ["127.0.0.1", "10.0.0.0/8", 192.168.4.0/22, "2001:db8::/32", "::1", "0.0.0.0/0"]
        """
        let server = try SluiceConfig.parse(yaml: yaml, file: "sluice.yaml").server
        XCTAssertTrue(server.underscoresInHeaders)
        XCTAssertEqual(server.trustedProxies.ranges.map(\.description),
                       ["127.0.0.1", "10.0.0.0/8", "192.168.4.0/22", "2001:db8::/32", "::1", "0.0.0.0/0"])
        XCTAssertEqual(server.trustedProxies.ranges.map(\.prefixLength), [32, 8, 22, 32, 128, 0])
    }

    func testRangesMatchTheirAddressesOnly() {
        func range(_ text: String) -> AddressRange {
            guard let range = AddressRange(parsing: text) else {
                XCTFail("\(text) did not parse")
                return AddressRange(network: IPAddress(high: 0, low: 0), prefixLength: 128)
            }
            return range
        }
        let cases: [(range: String, inside: [String], outside: [String])] = [
            ("127.0.0.1", ["127.0.0.1", "::ffff:127.0.0.1"], ["127.0.0.2", "::1", "126.0.0.1"]),
            ("10.0.0.0/8", ["10.0.0.0", "10.255.255.255", "10.1.2.3"], ["11.0.0.0", "9.255.255.255", "::a00:1"]),
            ("192.168.4.0/22", ["192.168.4.1", "192.168.7.255"], ["192.168.8.0", "192.168.3.255"]),
            ("0.0.0.0/0", ["1.2.3.4", "255.255.255.255"], ["::1", "2001:db8::1"]),
            ("::1", ["::1"], ["::2", "127.0.0.1", "::"]),
            ("2001:db8::/32", ["2001:db8::1", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"], ["2001:db9::", "2001:db7::1"]),
            ("2001:db8:0:0:8000::/65", ["2001:db8::8000:0:0:1"], ["2001:db8::7fff:0:0:1", "2001:db8:0:1:8000::"]),
            ("::ffff:10.0.0.0/104", ["10.9.8.7"], ["11.0.0.1"]),
            ("::/0", ["::1", "2001:db8::1", "10.0.0.1"], []),
        ]
        for (text, inside, outside) in cases {
            let range = range(text)
            for member in inside { XCTAssertTrue(range.contains(address(member)), "\(member) in \(text)") }
            for stranger in outside { XCTAssertFalse(range.contains(address(stranger)), "\(stranger) in \(text)") }
        }
    }

    func testBadAddressesAndPrefixLengthsAreReportedAtTheirLines() {
        let yaml = targets + """
        server:
          trusted_proxies:
            - "10.0.0.0/33"
            - "300.1.2.3"
            - "localhost"
            - "10.0.0.1/8"
            - "2001:db8::/129"
            - "10.0.0.0/"
            - "10.0.0.0/x"
            - "fe80::1%eth0"
            - "192.0.2.1"
        """
        let found = problems(in: yaml)
        let expected: [(line: Int, path: String, says: String)] = [
            (4, "server.trusted_proxies[0]", "the prefix length 33 is beyond 32, the length of an IPv4 address"),
            (5, "server.trusted_proxies[1]", "\"300.1.2.3\" is not an IPv4 or IPv6 address"),
            (6, "server.trusted_proxies[2]", "\"localhost\" is not an IPv4 or IPv6 address"),
            (7, "server.trusted_proxies[3]", "\"10.0.0.1/8\" has bits set beyond its /8 prefix (write 10.0.0.0/8)"),
            (8, "server.trusted_proxies[4]", "the prefix length 129 is beyond 128, the length of an IPv6 address"),
            (9, "server.trusted_proxies[5]", "\"\" after the / is not a prefix length"),
            (10, "server.trusted_proxies[6]", "\"x\" after the / is not a prefix length"),
            (11, "server.trusted_proxies[7]", "has a zone"),
        ]
        XCTAssertEqual(found.count, expected.count, "\(found)")
        for (problem, want) in zip(found, expected) {
            XCTAssertEqual(problem.line, want.line, "\(problem)")
            XCTAssertEqual(problem.keyPath, want.path, "\(problem)")
            XCTAssertTrue(problem.message.contains(want.says), "\(problem.message) does not say \(want.says)")
            XCTAssertTrue(problem.message.contains("IP addresses and CIDR ranges"), problem.message)
        }
    }

    func testTrustedProxiesMustBeAListAndUnderscoresABoolean() {
        let found = problems(in: targets + "server:\n  trusted_proxies: \"10.0.0.0/8\"\n  underscores_in_headers: sometimes\n")
        XCTAssertEqual(found.map(\.line), [3, 4], "\(found)")
        XCTAssertEqual(found.map(\.keyPath), ["server.trusted_proxies", "server.underscores_in_headers"])
        XCTAssertTrue(found[0].message.contains("expected a list"), found[0].message)
        XCTAssertTrue(found[1].message.contains("is not a boolean"), found[1].message)
    }

    func testAnEmptyOrNullListTrustsNobody() throws {
        for value in ["[]", "~", ""] {
            let config = try SluiceConfig.parse(yaml: targets + "server:\n  trusted_proxies: \(value)\n", file: "sluice.yaml")
            XCTAssertTrue(config.server.trustedProxies.isEmpty, value)
        }
    }
}
