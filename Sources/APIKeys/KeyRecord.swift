import Normaliser
import Essentials
import OpenSSLBinding

/// One line of a keys file, checked on its own (SPEC §10):
/// `{"id": "acme-prod", "sha256": "<64 hex>", "plan": "pro", "scopes": ["tickets:write"], "expires": "…", "revoked": true}`.
struct KeyRecord {
    var id: String
    var digest: SHA256Digest
    var plan: String?
    /// Sorted, without repeats (so two lines agree on scopes whatever their order).
    var scopes: [String]
    /// Unix seconds from which the key is refused; `Int64.max` when it never expires.
    var expires: Int64
    var revoked: Bool

    /// The member names a line may have (`parse` reads them by their index here).
    static let memberNames = ["id", "sha256", "plan", "scopes", "expires", "revoked"]

    /// The record of one non-blank, non-comment line, or every problem of that line (as messages).
    static func parse(_ line: UnsafeBufferPointer<UInt8>, planNames: Set<String>) -> Result<KeyRecord, LineProblems> {
        guard let value = JSONParser.parse(Array(line)) else {
            return .failure(LineProblems(["not valid JSON (each line is one JSON object, a blank line or a # comment)"]))
        }
        guard let members = value.objectMembers else {
            return .failure(LineProblems(["not a JSON object (each line is one object such as {\"id\": …, \"sha256\": …})"]))
        }
        var problems: [String] = []
        var found = [JSONValue?](repeating: nil, count: memberNames.count)  // by index in memberNames
        for member in members {
            guard let known = memberNames.firstIndex(of: member.name) else {
                problems.append("unknown member \(quoted(member.name)) (allowed: \(memberNames.joined(separator: ", ")))")
                continue
            }
            if found[known] != nil { problems.append("member \(quoted(member.name)) appears twice (each member once)") }
            found[known] = member.value
        }
        let id = parseID(found[0], problems: &problems)
        let digest = parseDigest(found[1], problems: &problems)
        let plan = parsePlan(found[2], planNames: planNames, problems: &problems)
        let scopes = parseScopes(found[3], problems: &problems)
        let expires = parseExpires(found[4], problems: &problems)
        var revoked = false
        switch found[5] {
        case nil: break
        case .bool(let flag)?: revoked = flag
        case _?: problems.append("revoked is not a boolean (true or false)")
        }
        guard problems.isEmpty, let id, let digest, let scopes, let expires else { return .failure(LineProblems(problems)) }
        return .success(KeyRecord(id: id, digest: digest, plan: plan, scopes: scopes, expires: expires, revoked: revoked))
    }

    /// Whether `id` is 1–64 of `[A-Za-z0-9._-]`.
    static func isValidID(_ id: String) -> Bool {
        let utf8 = id.utf8
        return (1...64).contains(utf8.count) && utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }

    private static func parseID(_ value: JSONValue?, problems: inout [String]) -> String? {
        let allowed = "1 to 64 of A-Z a-z 0-9 . _ -"
        switch value {
        case nil:
            problems.append("id is missing (the consumer's name: \(allowed))")
        case .string(let id)? where isValidID(id):
            return id
        case .string(let id)?:
            problems.append("id \(quoted(id)) is not a valid consumer name (\(allowed))")
        case _?:
            problems.append("id is not a string (\(allowed))")
        }
        return nil
    }

    private static func parseDigest(_ value: JSONValue?, problems: inout [String]) -> SHA256Digest? {
        let allowed = "64 lowercase hex digits: the SHA-256 of the key, as `sluice keys hash` prints it; never the key itself"
        switch value {
        case nil:
            problems.append("sha256 is missing (\(allowed))")
        case .string(let hex)?:
            if let digest = SHA256Digest(hex: hex) { return digest }
            problems.append("sha256 is not a SHA-256 in hex (\(allowed))")
        case _?:
            problems.append("sha256 is not a string (\(allowed))")
        }
        return nil
    }

    private static func parsePlan(_ value: JSONValue?, planNames: Set<String>, problems: inout [String]) -> String? {
        var allowed: String {
            planNames.isEmpty
                ? "rate_limit.plans is empty: leave plan out and the key uses rate_limit.limits"
                : "one of rate_limit.plans: \(planNames.sorted().joined(separator: ", ")); or leave it out for rate_limit.limits"
        }
        switch value {
        case nil:
            return nil
        case .string(let plan)?:
            // The set's own copy, so every key of a plan shares one string.
            if let index = planNames.firstIndex(of: plan) { return planNames[index] }
            problems.append("plan \(quoted(plan)) is not defined (\(allowed))")
        case _?:
            problems.append("plan is not a string (\(allowed))")
        }
        return nil
    }

    private static func parseScopes(_ value: JSONValue?, problems: inout [String]) -> [String]? {
        guard let value else { return [] }
        let allowed = "a list of non-empty strings, e.g. [\"tickets:write\"]"
        guard let elements = value.arrayElements else {
            problems.append("scopes is not a list (\(allowed))")
            return nil
        }
        var scopes: [String] = []
        for element in elements {
            guard let scope = element.stringValue, !scope.isEmpty else {
                problems.append("scopes has an element that is not a non-empty string (\(allowed))")
                return nil
            }
            scopes.append(scope)
        }
        return scopes.count < 2 ? scopes : Array(Set(scopes)).sorted()
    }

    private static func parseExpires(_ value: JSONValue?, problems: inout [String]) -> Int64? {
        let allowed = "an RFC 3339 date-time such as 2027-01-01T00:00:00Z"
        switch value {
        case nil:
            return Int64.max
        case .string(let text)?:
            if let seconds = RFC3339.unixSeconds(text) { return seconds }
            problems.append("expires \(quoted(text)) is not a valid date-time (\(allowed))")
        case _?:
            problems.append("expires is not a string (\(allowed))")
        }
        return nil
    }

    /// `text` in double quotes, cut to 64 characters.
    static func quoted(_ text: String) -> String {
        text.count > 64 ? "\"\(text.prefix(64))…\"" : "\"\(text)\""
    }
}

/// The problems of one line, as messages (the caller adds file and line).
struct LineProblems: Error {
    var messages: [String]

    init(_ messages: [String]) {
        self.messages = messages
    }
}
