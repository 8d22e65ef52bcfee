import Foundation

/// One HTTP/1.1 response as read off the wire by `RawHTTPClient`.
struct HTTPResponse {
    var version: String
    var status: Int
    var reason: String
    /// Header fields in the order received.
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    /// The first value of a header (case-insensitive name).
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Every value of a header, in order.
    func headers(named name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    /// The body as UTF-8 text.
    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as a JSON object.
    var jsonObject: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }

    /// `error.code` of a canonical error envelope.
    var errorCode: String? { (jsonObject?["error"] as? [String: Any])?["code"] as? String }

    /// Whether the server announced it will close the connection.
    var closesConnection: Bool {
        headers(named: "connection").contains { $0.lowercased().split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == "close" } }
    }
}

/// The `/echo` answer of demo-upstream: what the upstream received.
struct EchoedRequest {
    var method: String
    var target: String
    var headers: [(name: String, value: String)]
    var bodySHA256: String
    var bodyLength: Int

    init?(_ response: HTTPResponse) {
        guard let json = response.jsonObject, let method = json["method"] as? String, let target = json["target"] as? String,
              let pairs = json["headers"] as? [[String]], let sha = json["body_sha256"] as? String,
              let length = json["body_length"] as? Int else { return nil }
        self.method = method
        self.target = target
        self.headers = pairs.compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil }
        self.bodySHA256 = sha
        self.bodyLength = length
    }

    /// Every value the upstream received for a header (case-insensitive name).
    func headers(named name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    /// Whether the upstream received a header of this name.
    func has(_ name: String) -> Bool { !headers(named: name).isEmpty }
}
