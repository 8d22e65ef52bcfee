import Engine
import Essentials
import Glibc
import HTTP1
import Exchange
import Normaliser
import Resilience

/// Writing responses: upstream ones (streamed, or collected and normalised when ≥ 400) and
/// sluice's own.
extension ClientConnection: UpstreamDelegate {
    /// Largest upstream error body collected for the normaliser; beyond it the body is `other`.
    static let errorBodyCap = 1 << 20

    func upstreamDidReceiveHead(_ head: ResponseHead, buffer: UnsafeRawBufferPointer) -> UpstreamBodyMode {
        exchange.responseStatus = head.status
        exchange.upstreamStatus = head.status
        let step = machine.upstreamHeadReceived(status: head.status, normalise: context.config.errors.normalise, random: &worker.random)
        if let record = step.record {
            // The try's outcome is known: this response is the answer.
            self.record(record)
            markUpstreamDone()
            exchange.finalStatus = head.status
        }
        guard case .streamResponse = step.action else {
            // An error to normalise, or a response kept in case no retry can start.
            collect(head, buffer: buffer)
            return .decoded
        }

        var mode = UpstreamBodyMode.raw
        var framingHeader: StaticString? = nil
        switch head.framing {
        case .chunked:
            if exchange.clientIsHTTP10 {
                mode = .decoded
                exchange.closeAfterResponse = true
            } else {
                framingHeader = "Transfer-Encoding: chunked\r\n"
            }
        case .untilClose:
            exchange.closeAfterResponse = true
        case .none, .contentLength:
            break
        }
        UpstreamResponseHead.writeStatusLine(of: buffer, to: outbound)
        appendEndToEndHeaders(head, buffer: buffer, dropBodyHeaders: false, to: outbound)
        if let framingHeader { outbound.append(framingHeader) }
        appendProxyHeaders(to: outbound)
        outbound.append("\r\n")
        // No body bytes came with the head (a slow or streaming body): the head goes now, not with them.
        if buffer.count <= head.length && head.framing != .none { flush() }
        return mode
    }

    /// Forwards `103 Early Hints` (SPEC §4), except to an HTTP/1.0 client, which must get no 1xx (RFC 9110 §15.2).
    func upstreamDidReceiveEarlyHints(_ head: ResponseHead, buffer: UnsafeRawBufferPointer) {
        guard !exchange.clientIsHTTP10 else { return }
        UpstreamResponseHead.writeStatusLine(of: buffer, to: outbound)
        appendEndToEndHeaders(head, buffer: buffer, dropBodyHeaders: false, to: outbound)
        outbound.append("\r\n")
        flush()
    }

    /// Collects the response (head now, decoded body as it comes) to answer once it is complete:
    /// normalised, or — a response kept for a retry that may not happen — as it came.
    private func collect(_ head: ResponseHead, buffer: UnsafeRawBufferPointer) {
        exchange.collectedBody.removeAll(keepingCapacity: true)
        exchange.responseContentEncoding = head.contentEncodingIndex.map {
            String(decoding: UnsafeRawBufferPointer(rebasing: buffer[head.headers[$0].value]), as: UTF8.self)
        }
        exchange.responseContentType = head.headers.first { HeaderName.classify(buffer, $0.name) == .contentType }.map {
            String(decoding: UnsafeRawBufferPointer(rebasing: buffer[$0.value]), as: UTF8.self)
        }
        let scratch = ByteBuffer()
        OwnResponse.appendStatusLine(head.status, to: scratch)
        appendEndToEndHeaders(head, buffer: buffer, dropBodyHeaders: true, to: scratch)
        exchange.pendingHead = Array(scratch.readable)
    }

    /// Answers with the collected response: the envelope when normalising (and ≥ 400), else
    /// the body as it came with its own Content-Type and Content-Encoding.
    func answerCollected() {
        var body = exchange.collectedBody
        var contentType = ErrorEnvelope.contentType
        var contentEncoding: String? = nil
        if exchange.responseStatus >= 400 && context.config.errors.normalise {
            let normalised = context.normaliser.normalise(
                status: exchange.responseStatus, contentEncoding: exchange.responseContentEncoding,
                body: exchange.collectedBody, requestID: exchange.requestID, now: SystemTime.wallSeconds())
            exchange.shape = normalised.shape.rawValue
            worker.stats.recordRewrite(shape: normalised.shape.rawValue)
            body = normalised.body
        } else if body.count > ClientConnection.errorBodyCap {
            return respondOwnError(.upstreamUnavailable)  // too large to have been kept whole
        } else {
            contentType = exchange.responseContentType ?? "application/octet-stream"
            contentEncoding = exchange.responseContentEncoding
        }
        exchange.finalStatus = exchange.responseStatus
        outbound.append(exchange.pendingHead)
        outbound.append("Content-Type: ")
        outbound.append(contentType)
        if let contentEncoding {
            outbound.append("\r\nContent-Encoding: ")
            outbound.append(contentEncoding)
        }
        outbound.append("\r\nContent-Length: ")
        outbound.append(decimal: body.count)
        outbound.append("\r\n")
        appendProxyHeaders(to: outbound)
        outbound.append("\r\n")
        if !exchange.isHEAD { outbound.append(body) }
        finishExchange()
    }

    /// The upstream's end-to-end fields, as ``UpstreamResponseHead`` keeps them.
    private func appendEndToEndHeaders(_ head: ResponseHead, buffer: UnsafeRawBufferPointer, dropBodyHeaders: Bool, to out: ByteBuffer) {
        UpstreamResponseHead.writeFields(
            of: head, in: buffer, ownRateLimit: !exchange.rateLimitHeaders.isEmpty, dropBodyHeaders: dropBodyHeaders,
            date: worker.httpDate.current, to: out)
    }

    /// `X-Request-Id`, the rate-limit headers and the connection disposition.
    private func appendProxyHeaders(to out: ByteBuffer) {
        out.append("X-Request-Id: ")
        out.append(exchange.requestID)
        out.append("\r\n")
        out.append(exchange.rateLimitHeaders)
        if exchange.closeAfterResponse {
            out.append("Connection: close\r\n")
        } else if exchange.clientIsHTTP10 {
            out.append("Connection: keep-alive\r\n")
        }
    }

    func upstreamDidReceiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if case .collecting = machine.state {
            let room = ClientConnection.errorBodyCap + 1 - exchange.collectedBody.count
            if room > 0 { exchange.collectedBody.append(contentsOf: bytes.prefix(room)) }
            return true
        }
        outbound.append(bytes)
        flush()
        guard state != .closed else { return false }
        if case .pauseUpstream = machine.outputQueued(unwritten: outbound.count, highWater: ClientConnection.outputHighWater) {
            return false
        }
        return true
    }

    func upstreamDidFinish() {
        upstream = nil
        perform(machine.upstreamFinished())
    }

    func upstreamDidFail(_ failure: UpstreamFailure, reused: Bool) {
        upstream = nil
        let tryFailure: TryFailure
        switch failure {
        case .connectFailed, .tlsFailed: tryFailure = .connectFailed
        case .connectTimeout: tryFailure = .connectTimeout
        case .responseTimeout: tryFailure = .responseTimeout
        case .brokenBeforeResponse, .brokenMidBody, .invalidResponse: tryFailure = .broken
        }
        // A stale keep-alive connection: the upstream closed it while idle, before any byte of an answer.
        let stale = reused && failure == .brokenBeforeResponse(anyByte: false)
        perform(machine.upstreamFailed(tryFailure, onStaleConnection: stale, random: &worker.random))
    }

    /// Queues sluice's own error response for the current request.
    func respondOwnError(_ error: ProxyError, message: String? = nil, details: JSONValue? = nil, extraHeaders: [UInt8] = [], close: Bool = false) {
        if close { exchange.closeAfterResponse = true }
        exchange.finalStatus = error.status
        markUpstreamDone()
        if exchange.requestID.isEmpty { exchange.requestID = RequestID.generate(using: &worker.random) }
        OwnResponse.appendError(
            error, message: message, details: details, requestID: exchange.requestID, date: worker.httpDate.current,
            extraHeaders: extraHeaders + exchange.rateLimitHeaders, headersOnly: exchange.isHEAD,
            close: exchange.closeAfterResponse, to: outbound)
        finishExchange()
    }
}
