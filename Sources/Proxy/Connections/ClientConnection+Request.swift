import Config
import Engine
import Exchange
import HTTP1
import Normaliser
import RateLimiter
import Resilience

/// Reading a request and building what goes upstream (SPEC §4).
extension ClientConnection {
    /// A complete head is at the start of the input buffer: build the upstream request head
    /// and decide how the body is read.
    func beginRequest(_ head: RequestHead) {
        exchange.reset()
        requestGeneration &+= 1
        let buffer = inbound.readable
        beginAccounting(headLength: head.length)
        if context.accessLog != nil {
            exchange.method = String(decoding: UnsafeRawBufferPointer(rebasing: buffer[head.method]), as: UTF8.self)
            exchange.path = String(decoding: UnsafeRawBufferPointer(rebasing: buffer[head.target]), as: UTF8.self)
        }
        exchange.isHEAD = head.isHEAD
        let isIdempotent = RetryPolicy.isIdempotent(method: buffer[head.method])
        exchange.clientIsHTTP10 = head.version.minor == 0
        exchange.closeAfterResponse = !head.keepAlive || worker.isDraining

        // First pass: what the rewriting depends on.
        var clientRequestID: Range<Int>? = nil
        var authorization: Range<Int>? = nil
        var duplicateAuthorization = false
        for field in head.headers {
            switch HeaderName.classify(buffer, field.name) {
            case .authorization:
                // A singleton field (RFC 9110 §11.6.2): two values could be limited by one and
                // authenticated upstream by the other.
                if authorization != nil { duplicateAuthorization = true }
                authorization = field.value
            case .xRequestID:
                if RequestID.isValid(UnsafeRawBufferPointer(rebasing: buffer[field.value])) { clientRequestID = field.value }
            default:
                break
            }
        }
        if let clientRequestID {
            exchange.requestID = String(decoding: UnsafeRawBufferPointer(rebasing: buffer[clientRequestID]), as: UTF8.self)
        } else {
            exchange.requestID = RequestID.generate(using: &worker.random)
        }

        // Second pass: the upstream head. Method and target go byte for byte.
        var out = exchange.upstreamRequest
        exchange.upstreamRequest = []
        out.append(contentsOf: buffer[head.method])
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: buffer[head.target])
        out.append(contentsOf: " HTTP/1.1\r\n".utf8)
        var forwardedFor: [Range<Int>] = []
        let policy = context.requestHeaders
        let nominations = ConnectionNominations(head.headers, in: buffer)
        let fromTrustedPeer = policy.trusts(IPAddress(peer))
        for field in head.headers {
            switch policy.action(for: field, in: buffer, nominations: nominations, fromTrustedPeer: fromTrustedPeer) {
            case .drop: continue
            case .keepInForwardedFor:
                forwardedFor.append(field.value)
                continue
            case .forward: break
            }
            out.append(contentsOf: buffer[field.name])
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: buffer[field.value])
            out.append(contentsOf: "\r\n".utf8)
        }
        if head.hostIndex == nil {
            // HTTP/1.0 without Host: upstreams speak HTTP/1.1, which needs one (nginx sends its $proxy_host).
            out.append(contentsOf: "Host: ".utf8)
            out.append(contentsOf: context.targetHosts[0].utf8)
            out.append(contentsOf: "\r\n".utf8)
        }
        out.append(contentsOf: "X-Forwarded-For: ".utf8)
        for range in forwardedFor where !range.isEmpty {
            out.append(contentsOf: buffer[range])
            out.append(contentsOf: ", ".utf8)
        }
        out.append(contentsOf: peerHost.utf8)
        out.append(contentsOf: transport.tls == nil
            ? "\r\nX-Forwarded-Proto: http\r\nX-Request-Id: ".utf8 : "\r\nX-Forwarded-Proto: https\r\nX-Request-Id: ".utf8)
        out.append(contentsOf: exchange.requestID.utf8)
        out.append(contentsOf: "\r\n".utf8)
        exchange.upstreamRequest = out
        let admission: Admission
        if duplicateAuthorization {
            // Answered once the body is read (the connection stays usable); never forwarded.
            exchange.refusal = PendingRefusal(error: .badRequest, message: "Multiple Authorization headers: send exactly one Authorization: Bearer <api key>")
            admission = .refused
        } else {
            admission = admit(authorization: authorization.map { String(decoding: UnsafeRawBufferPointer(rebasing: buffer[$0]), as: UTF8.self) })
        }

        inbound.consume(head.length)
        parser.reset()

        var bodyFollows = true
        switch head.framing {
        case .none, .untilClose:
            bodyFollows = false
        case .contentLength(let length):
            exchange.sendContentLength = true
            exchange.bodyRemaining = length
            bodyFollows = length > 0
            if bodyFollows { exchange.body.reserveCapacity(length) }
        case .chunked:
            exchange.sendContentLength = true
            exchange.chunked = ChunkedDecoder(maxDataBytes: context.maxBodyBytes)
        }
        if !bodyFollows {
            clearDeadline()
            sealUpstreamRequest()
        }
        perform(machine.headReceived(
            isIdempotent: isIdempotent, bodyFollows: bodyFollows, expectsContinue: head.expectsContinue,
            admission: admission, cursor: &worker.nextTarget))
    }

    /// Ends the upstream request: its framing and the body read whole.
    private func sealUpstreamRequest() {
        if exchange.sendContentLength || !exchange.body.isEmpty {
            exchange.upstreamRequest.append(contentsOf: "Content-Length: ".utf8)
            exchange.upstreamRequest.append(contentsOf: String(exchange.body.count).utf8)
            exchange.upstreamRequest.append(contentsOf: "\r\n".utf8)
        }
        exchange.upstreamRequest.append(contentsOf: "\r\n".utf8)
        exchange.upstreamRequest.append(contentsOf: exchange.body)
    }

    /// Moves buffered body bytes into the exchange. Returns true when the body is complete.
    func readBody() -> Bool {
        if var decoder = exchange.chunked {
            let slice = inbound.readable
            var body: [UInt8] = []
            swap(&body, &exchange.body)
            let step: (consumed: Int, finished: Bool)
            do {
                step = try decoder.decode(slice) { range in body.append(contentsOf: slice[range]) }
            } catch {
                swap(&body, &exchange.body)
                rejectUnparseable(error)
                return false
            }
            swap(&body, &exchange.body)
            exchange.chunked = decoder
            inbound.consume(step.consumed)
            exchange.bytesIn += step.consumed
            guard step.finished else { return false }
        } else {
            let n = min(exchange.bodyRemaining, inbound.count)
            exchange.body.append(contentsOf: UnsafeRawBufferPointer(rebasing: inbound.readable[0..<n]))
            inbound.consume(n)
            exchange.bytesIn += n
            exchange.bodyRemaining -= n
            guard exchange.bodyRemaining == 0 else { return false }
        }
        clearDeadline()
        sealUpstreamRequest()
        perform(machine.bodyReceived(cursor: &worker.nextTarget))
        return true
    }

    /// A request that cannot be parsed or is too large: the envelope, then close (SPEC §7).
    func rejectUnparseable(_ error: HTTPParseError) {
        beginAccounting(headLength: inbound.count)
        if exchange.requestID.isEmpty {
            exchange.requestID = RequestID.find(inRawHead: inbound.readable) ?? RequestID.generate(using: &worker.random)
        }
        if context.accessLog != nil && exchange.method.isEmpty {
            // Best effort for the access log: the first two words of the request line, as sent.
            let line = inbound.readable.prefix(2048).prefix { $0 != 13 && $0 != 10 }
            let words = line.split(separator: UInt8(ascii: " "), maxSplits: 2, omittingEmptySubsequences: false)
            if words.count >= 2 {
                exchange.method = String(decoding: words[0].prefix(32), as: UTF8.self)
                exchange.path = String(decoding: words[1], as: UTF8.self)
            }
        }
        switch error {
        case .badRequest(let reason):
            respondOwnError(.badRequest, message: reason, close: true)
        case .headersTooLarge:
            respondOwnError(.headersTooLarge, close: true)
        case .payloadTooLarge:
            respondOwnError(.payloadTooLarge, close: true)
        }
    }
}
