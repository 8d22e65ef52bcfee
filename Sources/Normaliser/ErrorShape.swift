/// The upstream error-body dialects the normaliser recognises (SPEC §7); the raw values are the names
/// used in `/stats` (`normaliser.by_shape`).
public enum ErrorShape: String, Sendable, CaseIterable {
    /// `{"statusCode": 401, "message": "…" or ["…"], "error": "Unauthorized"}`
    case nestjs
    /// `{"error": "…", "details"?: …}`
    case errorString = "error_string"
    /// `{"error": {"code", "message", "details"?}, "timestamp"?, …}`, the canonical shape itself.
    case errorObject = "error_object"
    /// RFC 9457 `application/problem+json`: `{"type", "title", "status", "detail", …}`.
    case problemJSON = "problem_json"
    /// Anything else: other JSON, HTML, text, empty, non-UTF-8, over the cap, undecodable.
    case other
}
