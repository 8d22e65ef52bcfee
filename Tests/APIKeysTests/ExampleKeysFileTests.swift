import APIKeys
import Foundation
import XCTest

/// `config/keys.example.jsonl` loads, and its demo keys (documented in it and in the README) give what they say.
final class ExampleKeysFileTests: XCTestCase {
    func testTheShippedExampleLoadsAndItsDemoKeysBehaveAsDocumented() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("config/keys.example.jsonl").path
        let table = try KeyRegistry.load(path: path, planNames: ["pro"]).get()  // config/demo.yaml's plans
        XCTAssertEqual(table.keyCount, 4)
        let rules = AccessRules(keyPrefix: "keva_demo_", scopeRules: [
            ScopeRule(methods: ["POST", "PUT", "PATCH", "DELETE"], path: "/v1/tickets", scope: "tickets:write"),
        ])
        let now: Int64 = 1_798_761_600  // 2027-01-01
        func verdict(_ key: String) -> KeyVerdict {
            table.verdict(token: key, method: "POST", target: "/v1/tickets", now: now, rules: rules)
        }
        XCTAssertEqual(verdict("keva_demo_Z8mQ4tR7wX2nB5vL9cK3pH6j"), table.consumer(named: "demo").map(KeyVerdict.accepted))
        XCTAssertEqual(verdict("keva_demo_Old0Rotated0Out0000000000"), .revoked)
        XCTAssertEqual(verdict("keva_demo_ReadOnly0000000000000000"), .insufficientScope(required: "tickets:write"))
        XCTAssertEqual(verdict("keva_demo_Expired00000000000000000"), .expired)
        XCTAssertEqual(verdict("keva_demo_invented000000000000000"), .unknown)
        XCTAssertEqual(verdict("demo-key"), .invalidFormat)
        XCTAssertEqual(table.consumer(named: "demo").map(table.consumer)?.plan, "pro")
    }
}
