/// The SPEC §7 "code from status + message" table, as data: the first matching row wins.
enum ErrorCodeTable {
    /// Which statuses a row applies to.
    enum StatusMatch: Equatable {
        case exactly(Int)
        case anyClientError
        case anyServerError

        func matches(_ status: Int) -> Bool {
            switch self {
            case .exactly(let wanted): status == wanted
            case .anyClientError: (400...499).contains(status)
            case .anyServerError: (500...599).contains(status)
            }
        }
    }

    /// One row. `messageAnyOf` is a disjunction of conjunctions of lowercase substrings (empty: no message
    /// condition); `orFieldDetails` also matches when the details are a non-empty array of objects that each
    /// have a `field` member.
    struct Row {
        var status: StatusMatch
        var messageAnyOf: [[String]] = []
        var orFieldDetails = false
        var code: String
    }

    /// The built-in rows, in order.
    static let rows: [Row] = [
        Row(status: .exactly(401), messageAnyOf: [["missing", "authorization"]], code: "MISSING_AUTHORIZATION"),
        Row(status: .exactly(401), messageAnyOf: [["invalid"]], code: "INVALID_API_KEY"),
        Row(status: .exactly(401), messageAnyOf: [["revoked"]], code: "API_KEY_REVOKED"),
        Row(status: .exactly(401), messageAnyOf: [["expired"]], code: "API_KEY_EXPIRED"),
        Row(status: .exactly(401), code: "INVALID_API_KEY"),
        Row(status: .exactly(403), messageAnyOf: [["scope"]], code: "INSUFFICIENT_SCOPE"),
        Row(status: .exactly(403), code: "INSUFFICIENT_PERMISSIONS"),
        Row(status: .exactly(400), messageAnyOf: [["iso 8601"], ["date", "format"]], code: "INVALID_DATE_FORMAT"),
        Row(status: .exactly(400), code: "VALIDATION_ERROR"),
        Row(status: .exactly(404), code: "RESOURCE_NOT_FOUND"),
        Row(status: .exactly(405), code: "METHOD_NOT_ALLOWED"),
        Row(status: .exactly(408), code: "REQUEST_TIMEOUT"),
        Row(status: .exactly(409), code: "RESOURCE_ALREADY_EXISTS"),
        Row(status: .exactly(413), code: "PAYLOAD_TOO_LARGE"),
        Row(status: .exactly(415), code: "UNSUPPORTED_MEDIA_TYPE"),
        Row(status: .exactly(422), messageAnyOf: [["validation"]], orFieldDetails: true, code: "VALIDATION_ERROR"),
        Row(status: .exactly(422), code: "UNPROCESSABLE_ENTITY"),
        Row(status: .exactly(429), code: "RATE_LIMIT_EXCEEDED"),
        Row(status: .exactly(431), code: "HEADERS_TOO_LARGE"),
        Row(status: .exactly(500), code: "INTERNAL_ERROR"),
        Row(status: .exactly(502), code: "BAD_GATEWAY"),
        Row(status: .exactly(503), code: "SERVICE_UNAVAILABLE"),
        Row(status: .exactly(504), code: "GATEWAY_TIMEOUT"),
        Row(status: .anyClientError, code: "CLIENT_ERROR"),
        Row(status: .anyServerError, code: "SERVER_ERROR"),
    ]

    /// The code for `status` and `message`: `rules` first, then the built-in rows; statuses outside
    /// 400–599 get `CLIENT_ERROR` below 500 and `SERVER_ERROR` above.
    static func code(status: Int, message: String, details: JSONValue?, rules: [CodeRule]) -> String {
        let lowered = LowercasedText(message)
        for rule in rules where rule.status == status {
            guard let needle = rule.messageContains, !needle.isEmpty else { return rule.code }
            if lowered.contains(needle.lowercased()) { return rule.code }
        }
        for row in rows where row.status.matches(status) {
            if row.messageAnyOf.isEmpty && !row.orFieldDetails { return row.code }
            if row.messageAnyOf.contains(where: { all in all.allSatisfy(lowered.contains) }) { return row.code }
            if row.orFieldDetails && isFieldDetailsArray(details) { return row.code }
        }
        return status < 500 ? "CLIENT_ERROR" : "SERVER_ERROR"
    }

    /// Whether `details` is a non-empty array whose elements are all objects with a `field` member.
    static func isFieldDetailsArray(_ details: JSONValue?) -> Bool {
        guard let elements = details?.arrayElements, !elements.isEmpty else { return false }
        return elements.allSatisfy { $0[member: "field"] != nil }
    }
}
