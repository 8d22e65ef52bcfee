import Essentials

/// What recognition found in an upstream error body, before codes and leak rules are applied.
struct RecognisedBody: Equatable {
    /// The dialect.
    var shape: ErrorShape
    /// A code the body states itself (`error_object`'s `code`, problem+json's `code`), already valid
    /// UPPER_SNAKE_CASE; nil when the code comes from status + message.
    var statedCode: String?
    /// The upstream's message (nil or empty: none).
    var message: String?
    /// The details to keep.
    var details: JSONValue?
    /// The body's RFC 3339 timestamp, as UTC, to keep (`error_object` only).
    var timestamp: String?

    static let other = RecognisedBody(shape: .other)

    init(shape: ErrorShape, statedCode: String? = nil, message: String? = nil, details: JSONValue? = nil, timestamp: String? = nil) {
        self.shape = shape
        self.statedCode = statedCode
        self.message = message
        self.details = details
        self.timestamp = timestamp
    }
}

/// Recognises the SPEC §7 shapes in a parsed JSON body. Checked in this order: `error_object`, `nestjs`,
/// `error_string`, `problem_json`; anything else is `other`.
enum ErrorBodyRecogniser {
    /// The RFC 9457 members that are not extensions (`code` is taken as the code, so not an extension either).
    static let problemStandardMembers: Set<String> = ["type", "title", "status", "detail", "instance", "code"]

    static func recognise(_ value: JSONValue) -> RecognisedBody {
        guard case .object(let members) = value else { return .other }
        let error = value[member: "error"]
        if let errorObject = error, errorObject.objectMembers != nil {
            return recogniseErrorObject(errorObject, in: value)
        }
        if let nestjs = recogniseNestJS(value) { return nestjs }
        if let text = error?.stringValue {
            return RecognisedBody(shape: .errorString, message: text, details: keptDetails(value[member: "details"]))
        }
        if let problem = recogniseProblem(value, members: members) { return problem }
        return .other
    }

    /// `{"error": {"code", "message", "details"?}, "timestamp"?}`: needs a string `code` or `message`.
    static func recogniseErrorObject(_ error: JSONValue, in body: JSONValue) -> RecognisedBody {
        let code = error[member: "code"]?.stringValue
        let message = error[member: "message"]?.stringValue
        guard code != nil || message != nil else { return .other }
        let timestamp = body[member: "timestamp"]?.stringValue.flatMap(RFC3339.utc)
        return RecognisedBody(shape: .errorObject, statedCode: code.flatMap(canonicalCode), message: message,
                              details: keptDetails(error[member: "details"]), timestamp: timestamp)
    }

    /// `{"statusCode": number, "message": string or [string], "error"?: string}`.
    static func recogniseNestJS(_ body: JSONValue) -> RecognisedBody? {
        guard case .number = body[member: "statusCode"], let message = body[member: "message"] else { return nil }
        if let error = body[member: "error"], error.stringValue == nil { return nil }
        switch message {
        case .string(let text):
            return RecognisedBody(shape: .nestjs, message: text)
        case .array(let items):
            var texts: [String] = []
            texts.reserveCapacity(items.count)
            for item in items {
                guard let text = item.stringValue else { return nil }
                texts.append(text)
            }
            let details: JSONValue? = texts.isEmpty ? nil
                : .array(texts.map { .object([JSONMember(name: "message", value: .string($0))]) })
            return RecognisedBody(shape: .nestjs, message: texts.joined(separator: "; "), details: details)
        default:
            return nil
        }
    }

    /// RFC 9457: a string `title` or `detail`, and every standard member present with its proper type.
    static func recogniseProblem(_ body: JSONValue, members: [JSONMember]) -> RecognisedBody? {
        let title = body[member: "title"], detail = body[member: "detail"]
        guard title?.stringValue != nil || detail?.stringValue != nil else { return nil }
        for name in ["type", "title", "detail", "instance"] {
            if let member = body[member: name], member.stringValue == nil { return nil }
        }
        switch body[member: "status"] {
        case nil, .number?: break
        default: return nil
        }
        let message = detail?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? title?.stringValue
        let extensions = members.filter { !problemStandardMembers.contains($0.name) }
        return RecognisedBody(shape: .problemJSON, statedCode: body[member: "code"]?.stringValue.flatMap(canonicalCode),
                              message: message, details: extensions.isEmpty ? nil : .object(extensions))
    }

    /// Details as the envelope holds them: objects and arrays as they are, `null` dropped, any other
    /// value wrapped as `{"detail": value}`.
    static func keptDetails(_ details: JSONValue?) -> JSONValue? {
        switch details {
        case nil, .null?: nil
        case .object?, .array?: details
        case let scalar?: .object([JSONMember(name: "detail", value: scalar)])
        }
    }

    /// An upstream-stated code as UPPER_SNAKE_CASE (ASCII letters upper-cased, `-`, `.` and spaces made
    /// `_`), or nil when it is empty, longer than 64 characters or holds anything else.
    static func canonicalCode(_ code: String) -> String? {
        var result: [UInt8] = []
        for byte in code.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
                result.append(byte)
            case UInt8(ascii: "a")...UInt8(ascii: "z"):
                result.append(byte - 32)
            case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: " "):
                result.append(UInt8(ascii: "_"))
            default:
                return nil
            }
            if result.count > 64 { return nil }
        }
        guard let first = result.first, first >= UInt8(ascii: "A"), first <= UInt8(ascii: "Z") else { return nil }
        return String(decoding: result, as: UTF8.self)
    }
}
