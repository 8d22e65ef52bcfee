import Essentials

/// The field names a message's `Connection` header nominates as hop-by-hop (RFC 9110 §7.6.1), such as
/// `X-Hop` in `Connection: keep-alive, X-Hop`. The connection options `close` and `keep-alive` are not
/// field names and are left out. Nothing is allocated unless a name is nominated.
public struct ConnectionNominations: Sendable {
    /// The nominated names, as ranges of the message's buffer.
    private var names: [Range<Int>] = []

    /// Collects the names nominated by every `Connection` field of `headers`, parsed from `buffer`.
    public init(_ headers: [HeaderField], in buffer: UnsafeRawBufferPointer) {
        for field in headers where field.name.count == 10 && asciiEqualsIgnoringCase(buffer, field.name, "connection") {
            var tokens = CommaSeparatedTokens(buffer: buffer, range: field.value)
            while let token = tokens.next() {
                if asciiEqualsIgnoringCase(buffer, token, "close") || asciiEqualsIgnoringCase(buffer, token, "keep-alive") {
                    continue
                }
                names.append(token)
            }
        }
    }

    /// Whether no field name is nominated.
    public var isEmpty: Bool { names.isEmpty }

    /// Whether the field name at `name` in `buffer` is nominated (ASCII case-insensitive).
    public func contains(_ name: Range<Int>, in buffer: UnsafeRawBufferPointer) -> Bool {
        for nominated in names where nominated.count == name.count {
            var i = 0
            while i < name.count && buffer[name.lowerBound + i].asciiLowercased == buffer[nominated.lowerBound + i].asciiLowercased {
                i += 1
            }
            if i == name.count { return true }
        }
        return false
    }
}
