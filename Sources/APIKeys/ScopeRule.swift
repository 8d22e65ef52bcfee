/// One `auth.scopes` entry (SPEC §10): requests with one of `methods` (any method when nil) to `path` or
/// below it need `scope`.
///
/// `path` is a prefix that ends at a `/` or at the path's end: `/v1/tickets` covers `/v1/tickets`,
/// `/v1/tickets/` and `/v1/tickets/42`, not `/v1/ticketsearch`. The query is ignored. The request path is
/// compared after percent-decoding, merging repeated `/` and resolving `.` and `..` segments
/// (`RequestPath`), so `/v1/%74ickets` or `/v1//x/../tickets` cannot step around a rule.
public struct ScopeRule: Sendable, Equatable {
    /// The methods it covers, compared exactly (`POST`, not `post`); nil for every method.
    public let methods: [String]?
    /// The path prefix; starts with `/`.
    public let path: String
    /// The scope a key needs for these requests.
    public let scope: String

    private let methodBytes: [[UInt8]]?
    private let pathBytes: [UInt8]

    /// A rule; `path` must start with `/` (the configuration validates it).
    public init(methods: [String]?, path: String, scope: String) {
        self.methods = methods
        self.path = path
        self.scope = scope
        methodBytes = methods?.map { Array($0.utf8) }
        // A trailing "/" is the boundary itself: "/v1/" and "/v1" cover the same requests below /v1/.
        var bytes = Array(path.utf8)
        if bytes.count > 1, bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        pathBytes = bytes
    }

    /// Whether the rule covers `method` on the normalised `path` (no query).
    func covers(method: UnsafeRawBufferPointer, path: UnsafeRawBufferPointer) -> Bool {
        if let methodBytes, !methodBytes.contains(where: { $0.count == method.count && Bytes.hasPrefix(method, $0) }) {
            return false
        }
        guard Bytes.hasPrefix(path, pathBytes) else { return false }
        // The rule "/" covers every path; any other ends at a "/" of the path or at its end.
        return pathBytes.count == 1 || path.count == pathBytes.count || path[pathBytes.count] == UInt8(ascii: "/")
    }
}
