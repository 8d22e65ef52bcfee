/// A network address written `host:port`: `127.0.0.1:8080`, `[::1]:8080`, `localhost:80`.
///
/// The host is kept as written (without the brackets of an IPv6 literal); names are resolved by
/// whoever opens the socket.
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    /// A host name, an IPv4 address, or an IPv6 address without brackets.
    public var host: String
    /// The TCP port; 0 asks the system for a free port (listen addresses only).
    public var port: UInt16

    /// Creates an address from its parts.
    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` or `[ipv6]:port`; `nil` when the text is not such an address.
    public init?(parsing text: String) {
        guard case .success(let address) = HostPort.parse(text) else { return nil }
        self = address
    }

    /// `host:port`, with brackets around an IPv6 host.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// True for `0.0.0.0` and `::`, which listen on every interface.
    public var isWildcard: Bool {
        host == "0.0.0.0" || host == "::"
    }

    /// Parses an address, explaining what is wrong when it is not one.
    static func parse(_ text: String) -> Result<HostPort, Complaint> {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                return .failure(Complaint("\"\(text)\" has no closing \"]\""))
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else {
                return .failure(Complaint("\"\(text)\" has no port after the \"]\""))
            }
            portPart = rest.dropFirst()
            guard isIPv6(hostPart) else {
                return .failure(Complaint("\"\(hostPart)\" is not an IPv6 address"))
            }
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                return .failure(Complaint("\"\(text)\" has no port"))
            }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            if hostPart.contains(":") {
                return .failure(Complaint("\"\(text)\" is an IPv6 address without brackets"))
            }
            if let problem = hostProblem(hostPart) {
                return .failure(Complaint("\"\(text)\": \(problem)"))
            }
        }
        guard !portPart.isEmpty, portPart.allSatisfy(\.isASCIIDigit), portPart.count <= 5,
              let port = Int(portPart), port <= 65535 else {
            return .failure(Complaint("\"\(portPart)\" is not a port"))
        }
        return .success(HostPort(host: String(hostPart), port: UInt16(port)))
    }

    private static func hostProblem(_ host: Substring) -> String? {
        if host.isEmpty { return "the host is missing" }
        if host.count > 253 { return "the host name is too long" }
        let allowed = host.allSatisfy { $0.isASCIIDigit || $0.isASCIILetter || $0 == "-" || $0 == "." }
        if !allowed { return "\"\(host)\" is not a host name or IP address" }
        if host.allSatisfy({ $0.isASCIIDigit || $0 == "." }) {
            let octets = host.split(separator: ".", omittingEmptySubsequences: false)
            let valid = octets.count == 4 && octets.allSatisfy { !$0.isEmpty && $0.count <= 3 && Int($0)! <= 255 }
            if !valid { return "\"\(host)\" is not an IPv4 address" }
        }
        return nil
    }

    private static func isIPv6(_ host: Substring) -> Bool {
        let address = host.split(separator: "%", maxSplits: 1).first ?? ""
        guard address.contains(":"), address.count <= 45 else { return false }
        return address.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
    var isASCIILetter: Bool { isASCII && isLetter }
}
