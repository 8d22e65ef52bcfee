@testable import APIKeys
import OpenSSLBinding
import XCTest

/// `sluice keys new`: random keys of [A-Za-z0-9] after the prefix, unbiased, with a line the parser accepts.
final class IssuedKeyTests: XCTestCase {
    func testAKeyIsThePrefixAndTwentyFourAlphanumericsAndItsLineLoads() throws {
        let issued = try IssuedKey.make(id: "acme-prod", plan: "pro", prefix: "keva_live_")
        XCTAssertTrue(issued.key.hasPrefix("keva_live_"))
        let random = issued.key.utf8.dropFirst("keva_live_".utf8.count)
        XCTAssertEqual(random.count, 24)
        XCTAssertTrue(random.allSatisfy { IssuedKey.alphabet.contains($0) }, issued.key)
        XCTAssertEqual(issued.line, #"{"id":"acme-prod","sha256":"\#(SHA256Digest(hashing: issued.key).hex)","plan":"pro"}"#)
        let table = try KeyRegistry.parse(issued.line, file: "new.jsonl", planNames: ["pro"]).get()
        guard case .accepted(let consumer) = table.verdict(
            token: issued.key, method: "GET", target: "/", now: 0, rules: AccessRules(keyPrefix: "keva_live_"))
        else { return XCTFail("the new key is not accepted by its own line") }
        XCTAssertEqual(table.consumer(consumer), Consumer(id: "acme-prod", plan: "pro", scopes: []))
    }

    func testWithoutAPlanTheLineHasNone() throws {
        let issued = try IssuedKey.make(id: "solo", plan: nil, prefix: "")
        XCTAssertEqual(issued.key.utf8.count, 24)
        XCTAssertFalse(issued.line.contains("plan"), issued.line)
    }

    func testTwoKeysDiffer() throws {
        XCTAssertNotEqual(try IssuedKey.make(id: "a", plan: nil, prefix: "").key, try IssuedKey.make(id: "a", plan: nil, prefix: "").key)
    }

    func testBadIDsAndPrefixesAreRefusedWithWhatIsAllowed() {
        XCTAssertThrowsError(try IssuedKey.make(id: "acme prod", plan: nil, prefix: "")) { error in
            XCTAssertEqual("\(error)", #"id "acme prod" is not a valid consumer name (1 to 64 of A-Z a-z 0-9 . _ -)"#)
        }
        XCTAssertThrowsError(try IssuedKey.make(id: "acme", plan: nil, prefix: "live key ")) { error in
            XCTAssertEqual("\(error)", #"prefix "live key " is not allowed (at most 64 of A-Z a-z 0-9 . _ - ~ + /)"#)
        }
    }

    func testCharactersAreDrawnUniformly() throws {
        // 62 × 2,000 draws: each character is expected 2,000 times (σ ≈ 44). Taking `byte % 62` of every byte
        // would give the first 8 characters 5/4 of the others' share (~2,480 against ~1,984): the bound catches it.
        let characters = try IssuedKey.randomCharacters(count: 62 * 2_000)
        var counts: [UInt8: Int] = [:]
        for character in characters { counts[character, default: 0] += 1 }
        XCTAssertEqual(counts.count, 62)
        for (character, count) in counts {
            XCTAssertTrue((1_780...2_220).contains(count), "\(UnicodeScalar(character)) drawn \(count) times")
        }
    }
}
