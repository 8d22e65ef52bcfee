import APIKeys
import XCTest

/// The keys file of SPEC §10: JSON Lines, every problem reported at once as `FILE:LINE: what (allowed)`.
final class KeysFileParserTests: XCTestCase {
    func testBlankAndCommentLinesAreIgnoredAndLinesKeepTheirNumbers() throws {
        let found = problems([
            "# keys of acme",
            "",
            "   ",
            "  # indented comment",
            #"{"id": "acme", "sha256": "\#(sha("a"))"}"#,
            #"{"id": "bad id"}"#,
        ])
        XCTAssertEqual(found.map(\.line), [6, 6], "\(found)")
    }

    func testAValidFileLoadsEveryKeyAndConsumer() throws {
        let keys = try table([
            #"{"id": "acme-prod", "sha256": "\#(sha("k1"))", "plan": "pro", "scopes": ["tickets:write"], "expires": "2027-01-01T00:00:00Z"}"#,
            #"{"id": "acme-prod", "sha256": "\#(sha("k2"))", "plan": "pro", "scopes": ["tickets:write"], "revoked": true}"#,
            #"{"id": "solo.dev_1", "sha256": "\#(sha("k3"))"}"#,
        ])
        XCTAssertEqual(keys.keyCount, 3)
        XCTAssertEqual(keys.consumerCount, 2)
        let acme = try XCTUnwrap(keys.consumer(named: "acme-prod"))
        XCTAssertEqual(keys.consumer(acme), Consumer(id: "acme-prod", plan: "pro", scopes: ["tickets:write"]))
        let solo = try XCTUnwrap(keys.consumer(named: "solo.dev_1"))
        XCTAssertEqual(keys.consumer(solo), Consumer(id: "solo.dev_1", plan: nil, scopes: []))
        XCTAssertNil(keys.consumer(named: "acme"))
    }

    func testCRLFLineEndingsAreAccepted() throws {
        let keys = try table([#"{"id": "a", "sha256": "\#(sha("k1"))"}"# + "\r", #"{"id": "b", "sha256": "\#(sha("k2"))"}"# + "\r"])
        XCTAssertEqual(keys.keyCount, 2)
    }

    func testEveryProblemIsReportedAtOnceWithFileAndLineInLineOrder() {
        let found = problems([
            #"{"id": "a", "sha256": "\#(sha("k1"))"#,                                  // 1: bad JSON
            #"["not", "an", "object"]"#,                                                 // 2
            #"{"id": "a"}"#,                                                             // 3: sha256 missing
            #"{"id": "a", "sha256": "\#(sha("k1").uppercased())"}"#,                   // 4: upper-case hex
            #"{"sha256": "\#(sha("k2"))"}"#,                                            // 5: id missing
            #"{"id": "", "sha256": "\#(sha("k3"))"}"#,                                  // 6: id empty
            #"{"id": "\#(String(repeating: "x", count: 65))", "sha256": "\#(sha("k4"))"}"#,  // 7: id too long
            #"{"id": "a/b", "sha256": "\#(sha("k5"))"}"#,                               // 8: id character
            #"{"id": "a", "sha256": "\#(sha("k6"))", "plan": "gold"}"#,                 // 9: unknown plan
            #"{"id": "a", "sha256": "\#(sha("k7"))", "expires": "2027-02-30T00:00:00Z"}"#,  // 10: bad date
            #"{"id": "a", "sha256": "\#(sha("k8"))", "plna": "pro"}"#,                  // 11: unknown member
            #"{"id": 7, "sha256": true, "plan": 1, "scopes": "x", "expires": 5, "revoked": "yes"}"#,  // 12: six types
            #"{"id": "a", "sha256": "\#(sha("k9"))", "scopes": ["ok", 3]}"#,           // 13: scope element
            #"{"id": "a", "id": "b", "sha256": "\#(sha("k10"))"}"#,                    // 14: repeated member
        ])
        XCTAssertEqual(found.map(\.line), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 12, 12, 12, 12, 12, 13, 14], "\(found)")
        let text = found.map(\.description)
        func expect(_ line: Int, _ fragment: String) {
            XCTAssertTrue(text.contains { $0.hasPrefix("keys.jsonl:\(line): ") && $0.contains(fragment) },
                          "line \(line) lacks \(fragment):\n\(text.joined(separator: "\n"))")
        }
        expect(1, "not valid JSON")
        expect(2, "not a JSON object")
        expect(3, "sha256 is missing (64 lowercase hex digits")
        expect(4, "sha256 is not a SHA-256 in hex")
        expect(5, "id is missing")
        expect(6, #"id "" is not a valid consumer name (1 to 64 of A-Z a-z 0-9 . _ -)"#)
        expect(7, "is not a valid consumer name")
        expect(8, #"id "a/b" is not a valid consumer name"#)
        expect(9, #"plan "gold" is not defined (one of rate_limit.plans: free, pro"#)
        expect(10, #"expires "2027-02-30T00:00:00Z" is not a valid date-time (an RFC 3339"#)
        expect(11, #"unknown member "plna" (allowed: id, sha256, plan, scopes, expires, revoked)"#)
        for fragment in ["id is not a string", "sha256 is not a string", "plan is not a string", "scopes is not a list",
                         "expires is not a string", "revoked is not a boolean"] {
            expect(12, fragment)
        }
        expect(13, "scopes has an element that is not a non-empty string")
        expect(14, #"member "id" appears twice"#)
    }

    func testARepeatedSHA256NamesTheFirstLine() {
        let found = problems([
            #"{"id": "a", "sha256": "\#(sha("k1"))"}"#,
            #"{"id": "b", "sha256": "\#(sha("k2"))"}"#,
            #"{"id": "c", "sha256": "\#(sha("k1"))"}"#,
        ])
        XCTAssertEqual(found.map(\.description), ["keys.jsonl:3: sha256 repeats the key of line 1 (each key appears once)"])
    }

    func testTheKeysOfOneIDMustAgreeOnPlanAndScopes() {
        let found = problems([
            #"{"id": "acme", "sha256": "\#(sha("k1"))", "plan": "pro", "scopes": ["b", "a"]}"#,
            #"{"id": "acme", "sha256": "\#(sha("k2"))", "plan": "pro", "scopes": ["a", "b", "a"]}"#,  // same set: fine
            #"{"id": "acme", "sha256": "\#(sha("k3"))", "plan": "free", "scopes": ["a", "b"]}"#,
            #"{"id": "acme", "sha256": "\#(sha("k4"))", "scopes": ["a", "b"]}"#,
            #"{"id": "acme", "sha256": "\#(sha("k5"))", "plan": "pro", "scopes": ["a"]}"#,
        ])
        XCTAssertEqual(found.map(\.description), [
            #"keys.jsonl:3: id "acme" has plan "free" here but plan "pro" at line 1 (the keys of one id share one plan and one set of scopes)"#,
            #"keys.jsonl:4: id "acme" has no plan here but plan "pro" at line 1 (the keys of one id share one plan and one set of scopes)"#,
            #"keys.jsonl:5: id "acme" has other scopes here than at line 1 (the keys of one id share one plan and one set of scopes)"#,
        ])
    }

    func testAProblemNeverQuotesTheSHA256Value() {
        // An operator who pastes the raw key where its hash belongs must not find it in the log.
        let rawKey = "keva_live_Zr4pQ8sLw2Xn6Yb1Tc9Vd3Fh"
        let found = problems([#"{"id": "acme", "sha256": "\#(rawKey)"}"#])
        XCTAssertEqual(found.count, 1)
        XCTAssertFalse(found[0].description.contains(rawKey), found[0].description)
        XCTAssertFalse(found[0].description.contains("Zr4pQ8"), found[0].description)
    }

    func testWithoutPlansAPlanIsAProblemThatSaysSo() {
        let found = problems([#"{"id": "a", "sha256": "\#(sha("k1"))", "plan": "pro"}"#], plans: [])
        XCTAssertEqual(found.map(\.description), [
            #"keys.jsonl:1: plan "pro" is not defined (rate_limit.plans is empty: leave plan out and the key uses rate_limit.limits)"#,
        ])
    }

    func testAByteOrderMarkAtTheStartIsSkipped() throws {
        XCTAssertEqual(try table(["\u{FEFF}" + #"{"id": "a", "sha256": "\#(sha("k1"))"}"#]).keyCount, 1)
        XCTAssertEqual(problems(["", "\u{FEFF}" + #"{"id": "a", "sha256": "\#(sha("k1"))"}"#]).map(\.line), [2], "only at the start")
    }

    func testGarbageNeverTrapsAndEveryBadLineIsReported() {
        // Lines cut from a valid one at every length, and with every byte replaced: each is reported or loads.
        let valid = #"{"id": "acme", "sha256": "\#(sha("k"))", "plan": "pro", "scopes": ["a"], "expires": "2027-01-01T00:00:00Z", "revoked": false}"#
        let bytes = Array(valid.utf8)
        var lines: [String] = []
        for length in 0..<bytes.count { lines.append(String(decoding: bytes[0..<length], as: UTF8.self)) }
        for index in bytes.indices where index % 3 == 0 {
            var changed = bytes
            changed[index] = [0x00, 0x22, 0x7B, 0xFF, 0x5C][index % 5]
            lines.append(String(decoding: changed, as: UTF8.self))
        }
        for line in lines {
            switch parseKeys([line]) {
            case .success(let table): XCTAssertLessThanOrEqual(table.keyCount, 1, line)
            case .failure(let error): XCTAssertTrue(error.problems.allSatisfy { $0.line == 1 }, line)
            }
        }
    }

    func testAnEmptyFileLoadsNoKeys() throws {
        XCTAssertEqual(try table([]).keyCount, 0)
        XCTAssertEqual(try table(["# nothing yet", ""]).keyCount, 0)
    }
}
