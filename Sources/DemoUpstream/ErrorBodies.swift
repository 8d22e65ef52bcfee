/// The named error bodies `/status/CODE?body=NAME` answers with: the seed APIs' documented bodies
/// (/work/shared/seeds) and a few shapes a normaliser must survive.
enum ErrorBodies {
    /// A body and its media type.
    struct Body {
        var contentType: String?
        var text: String
    }

    static func named(_ name: String) -> Body? {
        if let json = seedJSON[name] { return Body(contentType: "application/json", text: json) }
        switch name {
        case "problem": return Body(contentType: "application/problem+json", text: problem)
        case "problem-with-code": return Body(contentType: "application/problem+json", text: problemWithCode)
        case "html": return Body(contentType: "text/html; charset=utf-8", text: html)
        case "traceback": return Body(contentType: "text/plain; charset=utf-8", text: traceback)
        case "text": return Body(contentType: "text/plain; charset=utf-8", text: "Something went wrong\n")
        case "invalid-json": return Body(contentType: "application/json", text: "{\"error\": \"unterminated")
        case "empty": return Body(contentType: nil, text: "")
        default: return nil
        }
    }

    /// Every name `named(_:)` knows.
    static var allNames: [String] {
        seedJSON.keys.sorted() + ["problem", "problem-with-code", "html", "traceback", "text", "invalid-json", "empty"]
    }

    /// A NestJS-style body for a status when no name is given.
    static func generic(status: Int) -> Body {
        Body(contentType: "application/json",
             text: #"{"statusCode":\#(status),"message":"Status \#(status)","error":"\#(Response.reason(status))"}"#)
    }

    static let seedJSON: [String: String] = [
        // 000: NestJS-style {statusCode, message, error}.
        "nestjs-invalid-key": #"{"statusCode":401,"message":"Invalid or revoked API key","error":"Unauthorized"}"#,
        "nestjs-missing-auth": #"{"statusCode":401,"message":"Missing Authorization header","error":"Unauthorized"}"#,
        "nestjs-uuid": #"{"statusCode":400,"message":"Validation failed (uuid is expected)","error":"Bad Request"}"#,
        "nestjs-not-found": #"{"statusCode":404,"message":"Receivable not found","error":"Not Found"}"#,
        "nestjs-message-array": #"{"statusCode":400,"message":["email must be an email","name should not be empty"],"error":"Bad Request"}"#,
        // 003: {"error": "…", "details"?: [...]}.
        "keva-missing-auth": #"{"error":"Missing or invalid Authorization header"}"#,
        "keva-invalid-key-format": #"{"error":"Invalid API key format"}"#,
        "keva-invalid-key": #"{"error":"Invalid API key"}"#,
        "keva-revoked": #"{"error":"API key has been revoked"}"#,
        "keva-expired": #"{"error":"API key has expired"}"#,
        "keva-insufficient-scope": #"{"error":"Insufficient scope"}"#,
        "keva-invalid-status": #"{"error":"Invalid status. Must be one of: open, pending, solved, closed"}"#,
        "keva-validation": #"{"error":"Validation failed","details":[{"field":"email","message":"Invalid email format"},{"field":"subject","message":"Subject is required"}]}"#,
        "keva-missing-field": #"{"error":"Validation failed","details":[{"field":"customerEmail","message":"customerEmail is required"}]}"#,
        "keva-not-found": #"{"error":"Ticket not found"}"#,
        "keva-approval-decided": #"{"error":"Approval not found or already decided"}"#,
        "keva-rate-limit": #"{"error":"Rate limit exceeded"}"#,
        "keva-internal": #"{"error":"Internal server error"}"#,
        // 004: {"error": {"code", "message", "details"?}, "status", "timestamp"}.
        "upwell-validation-object": #"{"error":{"code":"VALIDATION_ERROR","message":"The request contains invalid parameters","details":{"field":"invoice_id","issue":"Invoice ID must be a valid UUID"}},"status":"error","timestamp":"2024-01-15T10:30:00Z"}"#,
        "upwell-invalid-key": #"{"error":{"code":"INVALID_API_KEY","message":"The provided API key is invalid"}}"#,
        "upwell-missing-auth": #"{"error":{"code":"MISSING_AUTHORIZATION","message":"Authorization header is required"}}"#,
        "upwell-validation": #"{"error":{"code":"VALIDATION_ERROR","message":"Validation failed for one or more fields","details":[{"field":"customer_id","message":"Customer ID is required"},{"field":"amount","message":"Amount must be greater than 0"}]}}"#,
        "upwell-date-format": #"{"error":{"code":"INVALID_DATE_FORMAT","message":"Date must be in ISO 8601 format"}}"#,
        "upwell-not-found": #"{"error":{"code":"RESOURCE_NOT_FOUND","message":"Invoice with ID 'abc123' not found"}}"#,
        "upwell-already-exists": #"{"error":{"code":"RESOURCE_ALREADY_EXISTS","message":"Invoice with this number already exists"}}"#,
        "upwell-invoice-approved": #"{"error":{"code":"INVOICE_ALREADY_APPROVED","message":"Cannot modify an approved invoice"}}"#,
        "upwell-credit-limit": #"{"error":{"code":"INSUFFICIENT_CREDIT_LIMIT","message":"Customer credit limit exceeded"}}"#,
        "upwell-rate-limit": #"{"error":{"code":"RATE_LIMIT_EXCEEDED","message":"Rate limit exceeded. Try again in 60 seconds","details":{"retry_after":60,"limit":100,"window":"1 hour"}}}"#,
    ]

    static let problem = #"{"type":"https://example.com/probs/out-of-credit","title":"You do not have enough credit.","status":403,"detail":"Your current balance is 30, but that costs 50.","instance":"/account/12345/msgs/abc","balance":30}"#

    static let problemWithCode = #"{"type":"about:blank","title":"Conflict","status":409,"detail":"Invoice number already used","code":"DUPLICATE_INVOICE_NUMBER"}"#

    static let html = """
        <!DOCTYPE html>
        <html><head><title>502 Bad Gateway</title></head>
        <body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx/1.24.0</center></body></html>

        """

    static let traceback = """
        Traceback (most recent call last):
          File "/srv/api/app.py", line 88, in handle
            conn = psycopg2.connect(host="10.0.3.7", port=5432, user="api", password="s3cr3t")
          File "/usr/lib/python3/dist-packages/psycopg2/__init__.py", line 122, in connect
            conn = _connect(dsn, connection_factory=connection_factory, **kwasync)
        psycopg2.OperationalError: could not connect to server: Connection refused
        \tIs the server running on host "10.0.3.7" and accepting TCP/IP connections on port 5432?

        """
}
