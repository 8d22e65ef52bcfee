import RateLimiter
import XCTest

final class HeaderTests: XCTestCase {
    func testAdmittedResponseHeadersAreByteExact() {
        let (limiter, _) = makeLimiter()
        var out: [UInt8] = Array("HTTP/1.1 200 OK\r\n".utf8)
        limiter.decide(identity: "key").appendHeaders(to: &out)
        XCTAssertEqual(
            String(decoding: out, as: UTF8.self),
            "HTTP/1.1 200 OK\r\n"
                + "X-RateLimit-Limit: 100\r\n"
                + "X-RateLimit-Remaining: 99\r\n"
                + "X-RateLimit-Reset: 1795257036\r\n"
                + "X-RateLimit-Limit-Hour: 100\r\n"
                + "X-RateLimit-Remaining-Hour: 99\r\n"
                + "X-RateLimit-Limit-Minute: 10\r\n"
                + "X-RateLimit-Remaining-Minute: 9\r\n"
                + "RateLimit-Policy: \"hour\";q=100;w=3600, \"minute\";q=10;w=60\r\n"
                + "RateLimit: \"minute\";r=9;t=6\r\n")
    }

    func testRefusedResponseHeadersAddRetryAfter() {
        let (limiter, clock) = makeLimiter()
        _ = limiter.admittedCount("key", attempts: 10)
        clock.advance(by: .milliseconds(1500))
        XCTAssertEqual(
            limiter.decide(identity: "key").headerText,
            "X-RateLimit-Limit: 100\r\n"
                + "X-RateLimit-Remaining: 90\r\n"
                + "X-RateLimit-Reset: 1795257360\r\n"
                + "X-RateLimit-Limit-Hour: 100\r\n"
                + "X-RateLimit-Remaining-Hour: 90\r\n"
                + "X-RateLimit-Limit-Minute: 10\r\n"
                + "X-RateLimit-Remaining-Minute: 0\r\n"
                + "RateLimit-Policy: \"hour\";q=100;w=3600, \"minute\";q=10;w=60\r\n"
                + "RateLimit: \"minute\";r=0;t=5\r\n"
                + "Retry-After: 5\r\n")
    }

    func testRateLimitNamesTheStandardLimitWhenItIsClosestToExhaustion() {
        let (limiter, _) = makeLimiter([
            LimitRule(name: "day", requests: 3, per: .seconds(86_400)),
            LimitRule(name: "per_second", requests: 5, per: .seconds(1)),
        ])
        let text = limiter.decide(identity: "key").headerText
        XCTAssertTrue(text.contains("X-RateLimit-Limit-Per-Second: 5\r\nX-RateLimit-Remaining-Per-Second: 4\r\n"), text)
        XCTAssertTrue(text.contains("RateLimit-Policy: \"day\";q=3;w=86400, \"per_second\";q=5;w=1\r\n"), text)
        XCTAssertTrue(text.hasSuffix("RateLimit: \"day\";r=2;t=28800\r\n"), text)
    }

    func testPolicyWindowOfAFractionalSecondRoundsUp() {
        let (limiter, _) = makeLimiter([LimitRule(name: "burst", requests: 3, per: .milliseconds(1500))])
        let text = limiter.decide(identity: "key").headerText
        XCTAssertTrue(text.contains("RateLimit-Policy: \"burst\";q=3;w=2\r\n"), text)
        XCTAssertTrue(text.contains("RateLimit: \"burst\";r=2;t=1\r\n"), text)
    }

    func testHeadersOfEightRefusedLimitsFitTheAnnouncedBound() {
        let limits = (0..<8).map { LimitRule(name: "limit-number-\($0)", requests: 1000, per: .seconds(9)) }
        let (limiter, _) = makeLimiter(limits)
        XCTAssertEqual(limiter.admittedCount("key", attempts: 1001), 1000)
        let refused = limiter.decide(identity: "key")
        XCTAssertEqual(refused.retryAfterSeconds, 1)
        var buffer = [UInt8](repeating: 0, count: refused.maximumHeaderBytes)
        let written = buffer.withUnsafeMutableBufferPointer { refused.writeHeaders(to: $0.baseAddress!) }
        XCTAssertEqual(String(decoding: buffer[..<written], as: UTF8.self), refused.headerText)
        XCTAssertTrue(refused.headerText.hasSuffix("\"limit-number-0\";r=0;t=1\r\nRetry-After: 1\r\n"), refused.headerText)
    }

    func testRefusalMessageUsesSingularForOneSecond() {
        XCTAssertEqual(
            Refusal(retryAfter: 1, limit: 10, window: "1 minute").message,
            "Rate limit exceeded. Try again in 1 second")
    }

    func testAdmittedDecisionHasNoRefusal() {
        let (limiter, _) = makeLimiter()
        let decision = limiter.decide(identity: "key")
        XCTAssertNil(decision.refusal)
        XCTAssertNil(decision.retryAfterSeconds)
        XCTAssertNil(decision.refusingLimit)
    }

    func testWindowWordsUseTheLargestExactUnit() {
        XCTAssertEqual(WindowWords.describe(.seconds(3600)), "1 hour")
        XCTAssertEqual(WindowWords.describe(.seconds(60)), "1 minute")
        XCTAssertEqual(WindowWords.describe(.seconds(30)), "30 seconds")
        XCTAssertEqual(WindowWords.describe(.seconds(7200)), "2 hours")
        XCTAssertEqual(WindowWords.describe(.seconds(90)), "90 seconds")
        XCTAssertEqual(WindowWords.describe(.seconds(86_400)), "1 day")
        XCTAssertEqual(WindowWords.describe(.milliseconds(1500)), "1500 milliseconds")
        XCTAssertEqual(WindowWords.describe(.seconds(1)), "1 second")
    }

    func testHeaderSuffixCapitalisesEachPart() {
        XCTAssertEqual(LimitPlan.headerSuffix("minute"), "Minute")
        XCTAssertEqual(LimitPlan.headerSuffix("per_day"), "Per-Day")
        XCTAssertEqual(LimitPlan.headerSuffix("burst-limit2"), "Burst-Limit2")
    }
}
