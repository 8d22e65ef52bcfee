import RateLimiter
import XCTest

final class APIKeyTests: XCTestCase {
    private func extract(_ value: String?) -> Result<Substring, APIKeyProblem> {
        APIKeyExtraction.bearerToken(fromAuthorization: value.map { Substring($0) })
    }

    func testBearerTokenIsExtractedWhateverTheSchemeCase() {
        for header in ["Bearer abc123", "bearer abc123", "BEARER abc123", "  Bearer \t abc123 \t"] {
            XCTAssertEqual(try extract(header).get(), "abc123", header)
        }
    }

    func testMissingOrBlankHeaderIsMissing() {
        XCTAssertEqual(extract(nil), .failure(.missing))
        XCTAssertEqual(extract(""), .failure(.missing))
        XCTAssertEqual(extract("  \t "), .failure(.missing))
    }

    func testOtherSchemesAreNotBearer() {
        for header in ["Basic dXNlcjpwYXNz", "abc123", "Bearerabc", "Token abc", "Bearer: abc"] {
            XCTAssertEqual(extract(header), .failure(.notBearer), header)
        }
    }

    func testBearerWithoutTokenIsEmptyToken() {
        XCTAssertEqual(extract("Bearer"), .failure(.emptyToken))
        XCTAssertEqual(extract("bearer   "), .failure(.emptyToken))
    }

    func testTokenWithSpacesIsMalformed() {
        XCTAssertEqual(extract("Bearer abc def"), .failure(.malformedToken))
    }

    func testProblemMessagesSayWhatIsExpected() {
        for problem in [APIKeyProblem.missing, .notBearer, .emptyToken, .malformedToken] {
            XCTAssertTrue(problem.message.hasSuffix("send Authorization: Bearer <api key>"), problem.message)
        }
        XCTAssertTrue(APIKeyProblem.missing.message.lowercased().contains("missing authorization"))
    }

    func testKeyHashIsStableShortAndDoesNotContainTheKey() {
        let key = "sk_live_abcdef0123456789"
        let hash = KeyHasher().hash(key)
        XCTAssertEqual(hash, KeyHasher().hash(key), "every hasher of a process agrees")
        XCTAssertEqual(hash, KeyHasher().hash(Substring("x" + key).dropFirst()))
        XCTAssertEqual(hash.count, 12)
        XCTAssertTrue(hash.allSatisfy(\.isHexDigit))
        XCTAssertFalse(hash.contains("abcdef"))
        XCTAssertNotEqual(hash, KeyHasher().hash(key + "x"))
    }

    func testKeyHashWithAFixedKeyIsTheSipHashPrefix() {
        let hasher = KeyHasher(key0: 0x0706_0504_0302_0100, key1: 0x0f0e_0d0c_0b0a_0908)
        // SipHash-2-4 reference vector for the empty message: 0x726fdb47dd0e0e31.
        XCTAssertEqual(hasher.hash(""), "726fdb47dd0e")
        // 15 bytes 00…0e: 0xa129ca6149be45e5.
        let fifteen = String(decoding: (0..<15).map { UInt8($0) }, as: UTF8.self)
        XCTAssertEqual(hasher.hash(fifteen), "a129ca6149be")
    }
}
