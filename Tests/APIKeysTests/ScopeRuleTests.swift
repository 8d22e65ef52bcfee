import APIKeys
import XCTest

/// `auth.scopes`: methods (all when absent), a path prefix ending at `/` or the path's end, the query ignored,
/// the first matching rule deciding, and paths compared in normalised form.
final class ScopeRuleTests: XCTestCase {
    private let now: Int64 = 0

    private func keys() throws -> KeyTable {
        try table([
            #"{"id": "writer", "sha256": "\#(sha("writer"))", "scopes": ["tickets:write", "admin"]}"#,
            #"{"id": "reader", "sha256": "\#(sha("reader"))", "scopes": ["tickets:read"]}"#,
        ])
    }

    private func required(_ method: String, _ target: String, key: String = "reader", rules: [ScopeRule]) throws -> String? {
        switch try keys().verdict(token: key, method: method, target: target, now: now, rules: AccessRules(scopeRules: rules)) {
        case .accepted: return nil
        case .insufficientScope(let scope): return scope
        case let other: XCTFail("unexpected \(other)"); return "?"
        }
    }

    private let writes = [ScopeRule(methods: ["POST", "DELETE"], path: "/v1/tickets", scope: "tickets:write")]

    func testThePathIsAPrefixEndingAtASlashOrTheEnd() throws {
        for target in ["/v1/tickets", "/v1/tickets/", "/v1/tickets/42", "/v1/tickets/42/comments"] {
            XCTAssertEqual(try required("POST", target, rules: writes), "tickets:write", target)
        }
        for target in ["/v1/ticketsearch", "/v1/ticket", "/v1", "/", "/v2/tickets", "*"] {
            XCTAssertNil(try required("POST", target, rules: writes), target)
        }
        let slashRule = [ScopeRule(methods: nil, path: "/v1/tickets/", scope: "tickets:write")]
        XCTAssertEqual(try required("GET", "/v1/tickets/9", rules: slashRule), "tickets:write")
        XCTAssertEqual(try required("GET", "/v1/tickets", rules: slashRule), "tickets:write", "a trailing / is the boundary")
        XCTAssertNil(try required("GET", "/v1/ticketsx", rules: slashRule))
    }

    func testMethodsAreMatchedExactlyAndAllWhenAbsent() throws {
        XCTAssertEqual(try required("DELETE", "/v1/tickets/1", rules: writes), "tickets:write")
        XCTAssertNil(try required("GET", "/v1/tickets/1", rules: writes))
        XCTAssertNil(try required("post", "/v1/tickets/1", rules: writes), "methods are case-sensitive")
        let every = [ScopeRule(methods: nil, path: "/admin", scope: "admin")]
        for method in ["GET", "HEAD", "OPTIONS", "PATCH"] {
            XCTAssertEqual(try required(method, "/admin/users", rules: every), "admin", method)
        }
    }

    func testTheQueryIsIgnored() throws {
        XCTAssertEqual(try required("POST", "/v1/tickets?dry_run=1", rules: writes), "tickets:write")
        XCTAssertEqual(try required("POST", "/v1/tickets/?a=/b", rules: writes), "tickets:write")
        XCTAssertNil(try required("POST", "/v1/other?path=/v1/tickets", rules: writes))
    }

    func testTheFirstMatchingRuleDecides() throws {
        let rules = [
            ScopeRule(methods: ["GET"], path: "/v1/tickets", scope: "tickets:read"),
            ScopeRule(methods: nil, path: "/v1", scope: "admin"),
        ]
        XCTAssertNil(try required("GET", "/v1/tickets/3", rules: rules), "the reader has tickets:read; /v1 is not asked")
        XCTAssertEqual(try required("POST", "/v1/tickets/3", rules: rules), "admin")
        XCTAssertEqual(try required("GET", "/v1/tickets/3", key: "writer", rules: rules), "tickets:read")
        XCTAssertNil(try required("GET", "/v2", rules: rules), "no rule: any key passes")
        let root = [ScopeRule(methods: nil, path: "/", scope: "admin")]
        XCTAssertEqual(try required("GET", "/anything", rules: root), "admin")
    }

    func testEncodedAndDottedPathsCannotStepAroundARule() throws {
        for target in ["/v1/%74ickets", "/v1/%74ICKETS".lowercased(), "/v1//tickets", "//v1/tickets/1", "/v1/./tickets",
                       "/v1/x/../tickets", "/v1%2Ftickets", "/v2/../v1/tickets", "/v1/tickets/%2e%2e/tickets",
                       "/v1/tickets/."] {
            XCTAssertEqual(try required("POST", target, rules: writes), "tickets:write", target)
        }
        for target in ["/v1/tickets/..", "/v1/tickets/../other", "/v1/%74ickets%73", "/../v1/ticketsx"] {
            XCTAssertNil(try required("POST", target, rules: writes), target)
        }
    }
}
