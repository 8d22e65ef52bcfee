import HTTP1
import XCTest

/// A request head with its ranges turned into strings, for assertions.
struct ParsedRequest: Equatable {
    var method: String
    var target: String
    var version: HTTPVersion
    var headers: [[String]]
    var length: Int
    var framing: BodyFraming
    var keepAlive: Bool
    var isHEAD: Bool
    var expectsContinue: Bool
    var host: String?
}

/// A response head with its ranges turned into strings, for assertions.
struct ParsedResponse: Equatable {
    var version: HTTPVersion
    var status: Int
    var headers: [[String]]
    var length: Int
    var framing: BodyFraming
    var keepAlive: Bool
    var contentEncoding: String?
}

enum Outcome<Head: Equatable>: Equatable {
    case incomplete
    case complete(Head)
    case failed(HTTPParseError)

    var error: HTTPParseError? {
        if case .failed(let error) = self { return error }
        return nil
    }
}

func text(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
    String(decoding: UnsafeRawBufferPointer(rebasing: buffer[range]), as: UTF8.self)
}

func describe(_ head: RequestHead, _ buffer: UnsafeRawBufferPointer) -> ParsedRequest {
    ParsedRequest(
        method: text(buffer, head.method), target: text(buffer, head.target), version: head.version,
        headers: head.headers.map { [text(buffer, $0.name), text(buffer, $0.value)] }, length: head.length,
        framing: head.framing, keepAlive: head.keepAlive, isHEAD: head.isHEAD,
        expectsContinue: head.expectsContinue, host: head.hostIndex.map { text(buffer, head.headers[$0].value) })
}

func describe(_ head: ResponseHead, _ buffer: UnsafeRawBufferPointer) -> ParsedResponse {
    ParsedResponse(
        version: head.version, status: head.status,
        headers: head.headers.map { [text(buffer, $0.name), text(buffer, $0.value)] }, length: head.length,
        framing: head.framing, keepAlive: head.keepAlive,
        contentEncoding: head.contentEncodingIndex.map { text(buffer, head.headers[$0].value) })
}

let defaultMaxHeaderBytes = 8192
let defaultMaxBodyBytes = 1_000_000

/// Parses `bytes` given all at once.
func parseRequest(
    _ bytes: [UInt8], maxHeaderBytes: Int = defaultMaxHeaderBytes, maxBodyBytes: Int = defaultMaxBodyBytes,
    maxHeaderCount: Int = 100
) -> Outcome<ParsedRequest> {
    var parser = RequestHeadParser(
        maxHeaderBytes: maxHeaderBytes, maxBodyBytes: maxBodyBytes, maxHeaderCount: maxHeaderCount)
    return bytes.withUnsafeBytes { buffer in
        switch parser.parse(buffer) {
        case .incomplete: return .incomplete
        case .complete(let head): return .complete(describe(head, buffer))
        case .failed(let error): return .failed(error)
        }
    }
}

func parseRequest(
    _ string: String, maxHeaderBytes: Int = defaultMaxHeaderBytes, maxBodyBytes: Int = defaultMaxBodyBytes,
    maxHeaderCount: Int = 100
) -> Outcome<ParsedRequest> {
    parseRequest(
        Array(string.utf8), maxHeaderBytes: maxHeaderBytes, maxBodyBytes: maxBodyBytes, maxHeaderCount: maxHeaderCount)
}

/// Parses `bytes` fed one byte at a time (the buffer grows, same start), stopping at the first
/// non-incomplete result; also reports the number of bytes fed when it stopped.
func parseRequestByteByByte(
    _ bytes: [UInt8], maxHeaderBytes: Int = defaultMaxHeaderBytes, maxBodyBytes: Int = defaultMaxBodyBytes
) -> (Outcome<ParsedRequest>, fed: Int) {
    var parser = RequestHeadParser(maxHeaderBytes: maxHeaderBytes, maxBodyBytes: maxBodyBytes)
    for count in 0...bytes.count {
        let outcome: Outcome<ParsedRequest> = bytes[0..<count].withUnsafeBytes { buffer in
            switch parser.parse(buffer) {
            case .incomplete: return .incomplete
            case .complete(let head): return .complete(describe(head, buffer))
            case .failed(let error): return .failed(error)
            }
        }
        if outcome != .incomplete { return (outcome, count) }
    }
    return (.incomplete, bytes.count)
}

func parseResponse(_ string: String, requestWasHEAD: Bool = false, maxHeaderBytes: Int = defaultMaxHeaderBytes)
    -> Outcome<ParsedResponse>
{
    var parser = ResponseHeadParser(maxHeaderBytes: maxHeaderBytes)
    return Array(string.utf8).withUnsafeBytes { buffer in
        switch parser.parse(buffer, requestWasHEAD: requestWasHEAD) {
        case .incomplete: return .incomplete
        case .complete(let head): return .complete(describe(head, buffer))
        case .failed(let error): return .failed(error)
        }
    }
}

func parseResponseByteByByte(_ string: String, requestWasHEAD: Bool = false) -> Outcome<ParsedResponse> {
    let bytes = Array(string.utf8)
    var parser = ResponseHeadParser(maxHeaderBytes: defaultMaxHeaderBytes)
    for count in 0...bytes.count {
        let outcome: Outcome<ParsedResponse> = bytes[0..<count].withUnsafeBytes { buffer in
            switch parser.parse(buffer, requestWasHEAD: requestWasHEAD) {
            case .incomplete: return .incomplete
            case .complete(let head): return .complete(describe(head, buffer))
            case .failed(let error): return .failed(error)
            }
        }
        if outcome != .incomplete { return outcome }
    }
    return .incomplete
}
