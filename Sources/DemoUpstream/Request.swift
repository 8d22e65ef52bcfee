/// One parsed request as the demo upstream saw it; lenient on purpose (it is the thing behind the proxy).
struct Request {
    var method: String
    /// The request target, byte for byte as received.
    var rawTarget: [UInt8]
    var version: String
    /// Header fields in the order received, names as sent.
    var headers: [(name: String, value: String)]
    var body: [UInt8] = []

    var target: String { String(decoding: rawTarget, as: UTF8.self) }

    /// The path: the target up to `?`.
    var path: String {
        let text = target
        if let q = text.firstIndex(of: "?") { return String(text[..<q]) }
        return text
    }

    /// Query parameters, percent-decoded, in order.
    var query: [(String, String)] {
        let text = target
        guard let q = text.firstIndex(of: "?") else { return [] }
        return text[text.index(after: q)...].split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (Request.percentDecode(String(parts[0])), parts.count > 1 ? Request.percentDecode(String(parts[1])) : "")
        }
    }

    func queryValue(_ name: String) -> String? { query.first { $0.0 == name }?.1 }

    func queryInt(_ name: String) -> Int? { queryValue(name).flatMap { Int($0) } }

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Whether the client asked for (or its version implies) closing after this response.
    var wantsClose: Bool {
        let tokens = headers.filter { $0.name.lowercased() == "connection" }
            .flatMap { $0.value.lowercased().split(separator: ",").map { $0.trimmingSpaces } }
        if tokens.contains("close") { return true }
        if version == "HTTP/1.0" { return !tokens.contains("keep-alive") }
        return false
    }

    /// Parses a request head (request line and fields, without the blank line). Nil if it is not a request line.
    static func parseHead(_ head: [UInt8]) -> Request? {
        var lines = head.split(separator: 10, omittingEmptySubsequences: false).map { line -> ArraySlice<UInt8> in
            line.last == 13 ? line.dropLast() : line
        }
        guard !lines.isEmpty else { return nil }
        let requestLine = lines.removeFirst().split(separator: 32)
        guard requestLine.count == 3 else { return nil }
        var headers: [(name: String, value: String)] = []
        for line in lines where !line.isEmpty {
            if line.first == 32 || line.first == 9, !headers.isEmpty {  // obs-fold: join to the previous value
                headers[headers.count - 1].value += " " + String(decoding: line, as: UTF8.self).trimmingSpaces
                continue
            }
            guard let colon = line.firstIndex(of: 58) else { continue }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self).trimmingSpaces
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingSpaces
            headers.append((name, value))
        }
        return Request(
            method: String(decoding: requestLine[0], as: UTF8.self),
            rawTarget: Array(requestLine[1]),
            version: String(decoding: requestLine[2], as: UTF8.self),
            headers: headers)
    }

    /// Reads the body the head announces (chunked or Content-Length). False if the connection broke.
    mutating func readBody(from stream: SocketStream) -> Bool {
        if let te = header("transfer-encoding"), te.lowercased().contains("chunked") {
            while true {
                guard let sizeLine = stream.readLine() else { return false }
                let sizeText = String(decoding: sizeLine, as: UTF8.self).split(separator: ";").first.map(String.init) ?? ""
                guard let size = Int(sizeText.trimmingSpaces, radix: 16) else { return false }
                if size == 0 {
                    while let trailer = stream.readLine(), !trailer.isEmpty {}
                    return true
                }
                guard let chunk = stream.readExact(size), stream.readLine() != nil else { return false }
                body += chunk
            }
        }
        if let lengthText = header("content-length"), let length = Int(lengthText), length > 0 {
            guard let bytes = stream.readExact(length) else { return false }
            body = bytes
        }
        return true
    }

    static func percentDecode(_ text: String) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == 37, let high = iterator.next(), let low = iterator.next(),
               let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) {
                bytes.append(value)
            } else {
                bytes.append(byte == 43 ? 32 : byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
