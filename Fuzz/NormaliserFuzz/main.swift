// libFuzzer target for the normaliser: decoding, JSON parsing, recognition and envelope writing.
// Not a package target: scripts/fuzz-normaliser.sh compiles it with the Normaliser sources into one
// module (so internal helpers are visible) with `swiftc -parse-as-library -sanitize=fuzzer`, together
// with Tests/NormaliserTests/ZlibCompressor.swift (`zlibCompress`).
//
// Input layout: byte 0 picks the status, byte 1 the Content-Encoding (and whether the harness
// compresses the rest itself, to reach the parser behind a valid gzip/deflate stream), byte 2 flags
// (bit 0: expose 5xx messages, bit 1: a rule for the status), the rest is the body.

import Essentials

private let statuses = [400, 401, 403, 404, 405, 408, 409, 413, 415, 418, 422, 429, 431, 451, 499,
                        500, 501, 502, 503, 504, 599, 200, 302, 600, -1]
private let encodings: [String?] = [nil, "identity", "gzip", "deflate", "x-gzip", "deflate, gzip", "br", " GZIP ", ""]

private func check(_ condition: Bool, _ what: String) {
    if !condition { fatalError("invariant broken: \(what)") }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func normaliserFuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))

    // The parser and writer on the raw bytes: a parsed value survives a write/parse round trip.
    if let value = JSONParser.parse(bytes) {
        let written = JSONWriter.encode(value)
        check(JSONParser.parse(written) == value, "JSON round trip")
    }

    guard size >= 3 else { return 0 }
    let status = statuses[Int(bytes[0]) % statuses.count]
    let mode = Int(bytes[1])
    let encoding = encodings[mode % encodings.count]
    let flags = bytes[2]
    var body = Array(bytes[3...])
    var header = encoding
    if mode >= 128 {
        // Compress it ourselves so the parser behind a valid stream is reached.
        switch mode % 3 {
        case 0: body = zlibCompress(body, windowBits: 31); header = "gzip"
        case 1: body = zlibCompress(body, windowBits: 15); header = "deflate"
        default: body = zlibCompress(body, windowBits: -15); header = "deflate"
        }
    }
    let rules = flags & 2 != 0 ? [CodeRule(status: status, messageContains: "a", code: "FUZZ_RULE")] : []
    let expose = flags & 1 != 0
    let normaliser = Normaliser(rules: rules, exposeUpstream5xxMessages: expose, bodyCap: 64 * 1024)
    let result = normaliser.normalise(status: status, contentEncoding: header, body: body,
                                      requestID: "fuzz-id", now: 1_795_257_000)

    check(result.body == result.envelope.encoded(), "body is the encoded envelope")
    check(String(validating: result.body, as: UTF8.self) != nil, "envelope is UTF-8")
    guard let parsed = JSONParser.parse(result.body) else { fatalError("envelope is not JSON") }
    check(parsed[member: "error"]?[member: "code"]?.stringValue == result.envelope.code, "code round trip")
    check(parsed[member: "error"]?[member: "message"]?.stringValue == result.envelope.message, "message round trip")
    check(parsed[member: "status"]?.stringValue == "error", "status member")
    check(parsed[member: "request_id"]?.stringValue == "fuzz-id", "request id")
    check(RFC3339.isValid(result.envelope.timestamp), "timestamp is RFC 3339")
    check(!result.envelope.code.isEmpty && result.envelope.code.utf8.allSatisfy {
        ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "_")
    }, "code is UPPER_SNAKE_CASE")
    if result.shape == .other || (status >= 500 && !expose) {
        check(result.envelope.message == GenericMessages.message(for: status), "generic message for other/5xx")
        check(result.envelope.details == nil, "no details for other/5xx")
    }
    return 0
}
