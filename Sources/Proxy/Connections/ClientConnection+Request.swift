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

        let facts = UpstreamRequestHead.Facts(head, in: buffer)
        if let clientRequestID = facts.clientRequestID {
            exchange.requestID = String(decoding: UnsafeRawBufferPointer(rebasing: buffer[clientRequestID]), as: UTF8.self)
        } else {
            exchange.requestID = RequestID.generate(using: &worker.random)
        }
        var out = exchange.upstreamRequest
        exchange.upstreamRequest = []
        UpstreamRequestHead.write(
            head, in: buffer, policy: context.requestHeaders, peer: peer, peerHost: peerHost,
            defaultHost: context.targetHosts[0], overTLS: transport.tls != nil, requestID: exchange.requestID, to: &out)
        exchange.upstreamRequest = out
        let admission: Admission
        if facts.repeatedAuthorization {
            // Answered once the body is read (the connection stays usable); never forwarded.
            exchange.refusal = PendingRefusal(error: .badRequest, message: "Multiple Authorization headers: send exactly one Authorization: Bearer <api key>")
            admission = .refused
        } else {
            admission = admit(
                authorization: facts.authorization.map { String(decoding: UnsafeRawBufferPointer(rebasing: buffer[$0]), as: UTF8.self) },
                method: head.method, target: head.target)
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
