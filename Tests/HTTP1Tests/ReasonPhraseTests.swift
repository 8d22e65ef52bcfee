import HTTP1
import XCTest

final class ReasonPhraseTests: XCTestCase {
    func testKnownCodesHaveTheirRFC9110PhraseAndOthersTheirClass() {
        let cases: [(Int, String)] = [
            (200, "OK"), (404, "Not Found"), (413, "Content Too Large"), (422, "Unprocessable Content"),
            (429, "Too Many Requests"), (431, "Request Header Fields Too Large"), (502, "Bad Gateway"),
            (299, "OK"), (499, "Client Error"), (599, "Server Error"),
        ]
        for (status, phrase) in cases { XCTAssertEqual(ReasonPhrase.of(status).description, phrase, "\(status)") }
    }
}
