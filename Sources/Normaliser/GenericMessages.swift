/// The generic message per status: used for unrecognised bodies and, unless
/// `expose_upstream_5xx_messages`, for every 5xx, so that nothing of the upstream leaks.
enum GenericMessages {
    /// Status → text, one row per status that has its own sentence.
    static let byStatus: [Int: String] = [
        400: "The request is invalid",
        401: "Authentication is required or the API key is invalid",
        402: "Payment is required to complete the request",
        403: "You do not have permission to perform this action",
        404: "The requested resource does not exist",
        405: "The method is not allowed for this resource",
        406: "The requested representation is not available",
        408: "The request was not received in time",
        409: "The request conflicts with the current state of the resource",
        410: "The requested resource is no longer available",
        411: "The request must state its length",
        412: "A precondition of the request failed",
        413: "The request body is too large",
        414: "The request URI is too long",
        415: "The media type of the request is not supported",
        416: "The requested range cannot be satisfied",
        422: "The request could not be processed",
        423: "The resource is locked",
        428: "The request must be conditional",
        429: "Too many requests, try again later",
        431: "The request headers are too large",
        451: "The resource is unavailable for legal reasons",
        500: "The server encountered an internal error",
        501: "The server does not support this operation",
        502: "The upstream server returned an invalid response",
        503: "The service is temporarily unavailable",
        504: "The upstream server did not respond in time",
    ]

    /// The generic text for `status`.
    static func message(for status: Int) -> String {
        if let text = byStatus[status] { return text }
        return status < 500 ? "The request could not be completed" : "The server could not complete the request"
    }
}
