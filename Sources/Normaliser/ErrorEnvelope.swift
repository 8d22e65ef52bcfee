import Essentials

/// The canonical error body every error response of sluice carries (SPEC §7):
/// `{"error":{"code":…,"message":…,"details":…},"status":"error","timestamp":…,"request_id":…}`.
public struct ErrorEnvelope: Sendable, Equatable {
    /// UPPER_SNAKE_CASE error code.
    public var code: String
    /// Text for a person.
    public var message: String
    /// Extra structured information (object or array), omitted from the body when nil.
    public var details: JSONValue?
    /// RFC 3339 UTC time, e.g. `2026-11-21T10:30:00Z`.
    public var timestamp: String
    /// The `X-Request-Id` returned to the client.
    public var requestID: String

    /// An envelope with every field given.
    public init(code: String, message: String, details: JSONValue? = nil, timestamp: String, requestID: String) {
        self.code = code
        self.message = message
        self.details = details
        self.timestamp = timestamp
        self.requestID = requestID
    }

    /// An envelope stamped with `unixSeconds` formatted as RFC 3339.
    public init(code: String, message: String, details: JSONValue? = nil, requestID: String, now unixSeconds: Int64) {
        self.init(code: code, message: message, details: details,
                  timestamp: RFC3339.format(unixSeconds: unixSeconds), requestID: requestID)
    }

    /// The envelope as compact UTF-8 JSON, members in the canonical order; `details` omitted when nil.
    public func encoded() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(160 + message.utf8.count)
        output.append(contentsOf: #"{"error":{"code":"#.utf8)
        JSONString.append(code, to: &output)
        output.append(contentsOf: #","message":"#.utf8)
        JSONString.append(message, to: &output)
        if let details {
            output.append(contentsOf: #","details":"#.utf8)
            JSONWriter.write(details, to: &output)
        }
        output.append(contentsOf: #"},"status":"error","timestamp":"#.utf8)
        JSONString.append(timestamp, to: &output)
        output.append(contentsOf: #","request_id":"#.utf8)
        JSONString.append(requestID, to: &output)
        output.append(UInt8(ascii: "}"))
        return output
    }

    /// The `Content-Type` every envelope is sent with.
    public static let contentType = "application/json; charset=utf-8"
}
