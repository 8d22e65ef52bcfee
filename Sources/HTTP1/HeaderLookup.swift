import Essentials

extension Array where Element == HeaderField {
    /// The index of the first field whose name equals `lowercaseName` case-insensitively, or nil.
    /// `buffer` is the buffer the head was parsed from.
    public func firstIndex(named lowercaseName: StaticString, in buffer: UnsafeRawBufferPointer) -> Int? {
        let length = lowercaseName.utf8CodeUnitCount
        for index in indices where self[index].name.count == length {
            if asciiEqualsIgnoringCase(buffer, self[index].name, lowercaseName) { return index }
        }
        return nil
    }
}

/// Whether a field name is one of the fixed hop-by-hop fields that a proxy never forwards (RFC 9110
/// §7.6.1): Connection, Keep-Alive, Proxy-Authenticate, Proxy-Authorization, Proxy-Connection, TE,
/// Trailer, Transfer-Encoding, Upgrade. Fields named in `Connection` are hop-by-hop too: find them with
/// `commaSeparatedTokens` over each Connection value.
public func isHopByHopFieldName(_ buffer: UnsafeRawBufferPointer, _ name: Range<Int>) -> Bool {
    switch name.count {
    case 2: return asciiEqualsIgnoringCase(buffer, name, "te")
    case 7:
        return asciiEqualsIgnoringCase(buffer, name, "trailer") || asciiEqualsIgnoringCase(buffer, name, "upgrade")
    case 10:
        return asciiEqualsIgnoringCase(buffer, name, "connection")
            || asciiEqualsIgnoringCase(buffer, name, "keep-alive")
    case 16: return asciiEqualsIgnoringCase(buffer, name, "proxy-connection")
    case 17: return asciiEqualsIgnoringCase(buffer, name, "transfer-encoding")
    case 18: return asciiEqualsIgnoringCase(buffer, name, "proxy-authenticate")
    case 19: return asciiEqualsIgnoringCase(buffer, name, "proxy-authorization")
    default: return false
    }
}
