/// A JSON value that keeps member order, so upstream `details` are passed on exactly as they came.
///
/// Numbers keep their literal text (`1e3` stays `1e3`, big integers lose no precision).
public indirect enum JSONValue: Sendable, Equatable {
    /// `null`
    case null
    /// `true` or `false`
    case bool(Bool)
    /// A number, as its literal JSON text (e.g. `"42"`, `"-1.5e3"`).
    case number(String)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object, members in their original order (duplicates kept).
    case object([JSONMember])

    /// A number value from an integer.
    public static func integer(_ value: Int) -> JSONValue {
        .number(String(value))
    }

    /// The value of the member `name` when this is an object (the last one if the name repeats, as
    /// JavaScript's `JSON.parse` does), else nil.
    public subscript(member name: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last(where: { $0.name == name })?.value
    }

    /// The string when this is a string, else nil.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The members when this is an object, else nil.
    public var objectMembers: [JSONMember]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The elements when this is an array, else nil.
    public var arrayElements: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }
}

/// One `"name": value` member of a JSON object.
public struct JSONMember: Sendable, Equatable {
    /// The member name.
    public var name: String
    /// The member value.
    public var value: JSONValue

    /// A member `name: value`.
    public init(name: String, value: JSONValue) {
        self.name = name
        self.value = value
    }
}
