import XCTest

extension IntegrationTestCase {
    /// Sends `count` GETs for `/v1/<name>/<i><query>` one after another on one client connection, checks each is
    /// answered 200 for its own path, and that the upstream counted exactly `count` requests.
    func assertSequentialGetsSucceed(count: Int, name: String, query: String = "", because reason: String,
                                     file: StaticString = #filePath, line: UInt = #line) throws {
        let client = try connectToSluice()
        for i in 0..<count {
            let response = try send(client, "GET", "/v1/\(name)/\(i)\(query)", file: file, line: line)
            XCTAssertEqual(response.status, 200, "request \(i): \(reason): \(response.text)", file: file, line: line)
            XCTAssertEqual(response.jsonObject?["path"] as? String, "/v1/\(name)/\(i)", file: file, line: line)
        }
        XCTAssertEqual(try upstream.hits(), count, file: file, line: line)
    }
}
