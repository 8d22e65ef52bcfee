import Config
import Engine
import HTTP1
@testable import Proxy
import XCTest

/// SPEC §4's request-header rules, on parsed heads, without sockets.
final class RequestHeaderPolicyTests: XCTestCase {
    /// What a policy makes of each field of `fields` (one `Name: value` per line), as the names it
    /// forwards and the `X-Forwarded-For` values it keeps.
    private func apply(
        _ policy: RequestHeaderPolicy, _ fields: [String], fromTrustedPeer: Bool,
        file: StaticString = #filePath, line: UInt = #line
    ) -> (forwarded: [String], keptForwardedFor: [String]) {
        let raw = "GET / HTTP/1.1\r\nHost: h\r\n" + fields.map { $0 + "\r\n" }.joined() + "\r\n"
        var parser = RequestHeadParser(maxHeaderBytes: 16384, maxBodyBytes: 1 << 20)
        return Array(raw.utf8).withUnsafeBytes { buffer in
            guard case .complete(let head) = parser.parse(buffer) else {
                XCTFail("not parsed: \(raw)", file: file, line: line)
                return ([], [])
            }
            func text(_ range: Range<Int>) -> String {
                String(decoding: UnsafeRawBufferPointer(rebasing: buffer[range]), as: UTF8.self)
            }
            let nominations = ConnectionNominations(head.headers, in: buffer)
            var forwarded: [String] = [], kept: [String] = []
            for field in head.headers {
                switch policy.action(for: field, in: buffer, nominations: nominations, fromTrustedPeer: fromTrustedPeer) {
                case .forward: forwarded.append(text(field.name))
                case .keepInForwardedFor: kept.append(text(field.value))
                case .drop: break
                }
            }
            return (forwarded, kept)
        }
    }

    private let defaults = RequestHeaderPolicy(ServerConfig())

    private let forwardingHeaders = [
        "X-Forwarded-For: 6.6.6.6", "x-forwarded-for: 7.7.7.7", "X-Forwarded-Host: evil.example", "X-Real-IP: 6.6.6.6",
        "Forwarded: for=6.6.6.6;proto=https", "X-Forwarded-Proto: https",
    ]

    func testUnderscoreLookAlikesAreDroppedByDefault() {
        let result = apply(defaults, [
            "Transfer_Encoding: chunked", "Content_Length: 7", "X_Forwarded_For: 6.6.6.6", "x_api_key: k",
            "X-Api-Key: k",
        ], fromTrustedPeer: false)
        XCTAssertEqual(result.forwarded, ["Host", "X-Api-Key"])
        // Trust does not change it: a look-alike is never a forwarding header.
        XCTAssertEqual(apply(defaults, ["X_Forwarded_For: 6.6.6.6"], fromTrustedPeer: true).forwarded, ["Host"])
    }

    func testUnderscoredNamesAreForwardedWhenTheSettingAllowsThem() {
        let policy = RequestHeaderPolicy(trustedProxies: TrustedProxies(), forwardsUnderscoredNames: true)
        let result = apply(policy, ["Transfer_Encoding: chunked", "X_Forwarded_For: 6.6.6.6", "x_api_key: k"], fromTrustedPeer: false)
        XCTAssertEqual(result.forwarded, ["Host", "Transfer_Encoding", "X_Forwarded_For", "x_api_key"])
        // Nominated by Connection, an underscored name is still hop-by-hop.
        XCTAssertEqual(apply(policy, ["Connection: x_hop", "X_Hop: 1"], fromTrustedPeer: false).forwarded, ["Host"])
    }

    func testHopByHopFieldsIncludingProxyConnectionAreDropped() {
        let result = apply(defaults, [
            "Connection: keep-alive, X-Hop", "X-Hop: 1", "Keep-Alive: timeout=5", "Proxy-Connection: keep-alive",
            "proxy-connection: close", "TE: trailers", "Trailer: X-Sum", "Upgrade: h2c", "Proxy-Authorization: Basic eA==",
            "X-End-To-End: 1",
        ], fromTrustedPeer: false)
        XCTAssertEqual(result.forwarded, ["Host", "X-End-To-End"])
    }

    func testFieldsSluiceWritesItselfAreDropped() {
        let result = apply(defaults, [
            "X-Request-Id: abc", "Content-Length: 0", "Expect: 100-continue", "X-Consumer-Id: admin",
            "x-consumer-plan: unlimited", "X-Consumer-Ids: kept", "Authorization: Bearer k",
        ], fromTrustedPeer: true)
        XCTAssertEqual(result.forwarded, ["Host", "X-Consumer-Ids", "Authorization"])
    }

    func testAnUntrustedPeerCannotSpeakForItsClient() {
        let result = apply(defaults, forwardingHeaders, fromTrustedPeer: false)
        XCTAssertEqual(result.forwarded, ["Host"])
        XCTAssertEqual(result.keptForwardedFor, [])
    }

    func testATrustedPeerKeepsItsForwardingHeadersButNotItsProto() {
        let result = apply(defaults, forwardingHeaders, fromTrustedPeer: true)
        XCTAssertEqual(result.forwarded, ["Host", "X-Forwarded-Host", "X-Real-IP", "Forwarded"])
        XCTAssertEqual(result.keptForwardedFor, ["6.6.6.6", "7.7.7.7"])
    }

    func testConnectionCannotNominateHostAuthorizationOrTheForwardingHeaders() {
        let result = apply(defaults, ["Connection: Host, Authorization, X-Real-IP", "Authorization: Bearer k", "X-Real-IP: 1.2.3.4"],
                           fromTrustedPeer: true)
        XCTAssertEqual(result.forwarded, ["Host", "Authorization", "X-Real-IP"])
    }

    func testTrustIsDecidedByTheConfiguredRanges() throws {
        func peer(_ host: String) throws -> IPAddress { IPAddress(try SocketAddress(host: host, port: 5000)) }
        func policy(_ ranges: [String]) -> RequestHeaderPolicy {
            RequestHeaderPolicy(trustedProxies: TrustedProxies(ranges.compactMap(AddressRange.init(parsing:))),
                                forwardsUnderscoredNames: false)
        }
        XCTAssertFalse(defaults.trusts(try peer("127.0.0.1")), "nobody is trusted by default")
        XCTAssertTrue(policy(["127.0.0.1"]).trusts(try peer("127.0.0.1")))
        XCTAssertFalse(policy(["10.0.0.0/8"]).trusts(try peer("127.0.0.1")))
        XCTAssertTrue(policy(["10.0.0.0/8"]).trusts(try peer("10.20.30.40")))
        XCTAssertTrue(policy(["::1"]).trusts(try peer("::1")))
        XCTAssertFalse(policy(["127.0.0.1"]).trusts(try peer("::1")))
        // A dual-stack socket reports an IPv4 peer IPv4-mapped: the IPv4 range still holds it.
        XCTAssertTrue(policy(["192.0.2.0/24"]).trusts(try peer("::ffff:192.0.2.9")))
    }

    func testSocketAddressesBecomeTheSameAddressesAsTheirText() throws {
        for host in ["127.0.0.1", "10.1.2.3", "255.255.255.255", "::1", "2001:db8::1:2", "fe80::1"] {
            XCTAssertEqual(IPAddress(try SocketAddress(host: host, port: 80)), IPAddress(parsing: host), host)
        }
    }
}
