import Engine
import Essentials
import Glibc
import HTTP1
import Normaliser
import Resilience

/// Writing responses: upstream ones (streamed, or collected and normalised when ≥ 400) and
/// sluice's own.
extension ClientConnection: UpstreamDelegate {
    /// Largest upstream error body collected for the normaliser; beyond it the body is `other`.
    static let errorBodyCap = 1 << 20

    func upstreamDidReceiveHead(_ head: ResponseHead, buffer: UnsafeRawBufferPointer) -> UpstreamBodyMode {
        exchange.collecting = false
        exchange.discardingForRetry = false
        exchange.responseStatus = head.status
        exchange.upstreamStatus = head.status
        let statusFailure = context.retryPolicy.failure(forStatus: head.status)
        if let statusFailure, let delay = retryDelay(after: statusFailure) {
            // A status in retry_on with tries left: the response is read (the connection stays
            // usable) and kept, in case no further try can start; then the retry.
            exchange.discardingForRetry = true
            exchange.retryDelay = delay
            exchange.lastFailure = statusFailure
            collect(head, buffer: buffer)
            return .decoded
        }
        recordTry(statusFailure == nil ? .success : .failure)
        markUpstreamDone()
        exchange.finalStatus = head.status
        if head.status >= 400 && context.config.errors.normalise {
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
        // Status line: our version, the upstream's code and reason.
        var lineEnd = 0
        while lineEnd + 1 < buffer.count && !(buffer[lineEnd] == 13 && buffer[lineEnd + 1] == 10) { lineEnd += 1 }
        outbound.append("HTTP/1.1")
        outbound.append(UnsafeRawBufferPointer(rebasing: buffer[min(8, lineEnd)..<lineEnd]))
        outbound.append("\r\n")
        appendEndToEndHeaders(head, buffer: buffer, dropBodyHeaders: false, to: outbound)
        if let framingHeader { outbound.append(framingHeader) }
        appendProxyHeaders(to: outbound)
        outbound.append("\r\n")
        exchange.responseStarted = true
        // No body bytes came with the head (a slow or streaming body): the head goes now, not with them.
        if buffer.count <= head.length && head.framing != .none { flush() }
        return mode
    }

    /// Collects the response (head now, decoded body as it comes) to answer once it is complete:
    /// normalised, or — a response kept for a retry that may not happen — as it came.
    private func collect(_ head: ResponseHead, buffer: UnsafeRawBufferPointer) {
        exchange.collecting = true
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

    /// Copies the upstream's end-to-end headers (SPEC §4): hop-by-hop ones and those named in
    /// `Connection` are dropped, and so are the ones sluice sets itself. A response without `Date`
    /// gets sluice's (RFC 9110 §6.6.1); the upstream's own is kept.
    private func appendEndToEndHeaders(_ head: ResponseHead, buffer: UnsafeRawBufferPointer, dropBodyHeaders: Bool, to out: ByteBuffer) {
        let nominations = ConnectionNominations(head.headers, in: buffer)
        let ownRateLimit = !exchange.rateLimitHeaders.isEmpty
        var hasDate = false
        for field in head.headers {
            let kind = HeaderName.classify(buffer, field.name)
            if kind.isHopByHop || kind == .xRequestID { continue }
            // sluice's own rate-limit headers win; an upstream's Retry-After is kept (an admitted
            // request's rate-limit headers carry none).
            if ownRateLimit && kind == .rateLimitFamily { continue }
            if dropBodyHeaders && (kind == .contentLength || kind == .contentType || kind == .contentEncoding) { continue }
            // Connection may nominate extension headers, never the message's own framing.
            if kind == .other && !nominations.isEmpty && nominations.contains(field.name, in: buffer) { continue }
            if kind == .date { hasDate = true }
            out.append(UnsafeRawBufferPointer(rebasing: buffer[field.name]))
            out.append(": ")
            out.append(UnsafeRawBufferPointer(rebasing: buffer[field.value]))
            out.append("\r\n")
        }
        if !hasDate {
            out.append("Date: ")
            out.append(worker.httpDate.current)
            out.append("\r\n")
        }
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
        if exchange.collecting {
            let room = ClientConnection.errorBodyCap + 1 - exchange.collectedBody.count
            if room > 0 { exchange.collectedBody.append(contentsOf: bytes.prefix(room)) }
            return true
        }
        outbound.append(bytes)
        flush()
        return state != .closed && outbound.count < ClientConnection.outputHighWater
    }

    func upstreamDidFinish() {
        upstream = nil
        if exchange.discardingForRetry {
            exchange.discardingForRetry = false
            recordTry(.failure)
            return scheduleRetry(after: exchange.retryDelay)
        }
        if exchange.collecting { return answerCollected() }
        finishExchange()
    }

    func upstreamDidFail(_ failure: UpstreamFailure, reused: Bool) {
        upstream = nil
        if exchange.responseStarted {
            // Part of the response already left: never retried; the client must see a truncated message.
            recordTry(.failure)
            return abort()
        }
        if reused && !exchange.retriedStale && exchange.methodIsIdempotent, case .brokenBeforeResponse(anyByte: false) = failure {
            // A stale keep-alive connection (the upstream closed it while idle): once more, fresh,
            // same target, same try. Never for POST/PATCH: the upstream may have read it before
            // closing (nginx does the same); idle connections the upstream closes are dropped
            // from the pool as soon as their FIN arrives, so this is rare.
            exchange.retriedStale = true
            exchange.collecting = false
            exchange.collectedBody.removeAll()
            return startTry(sameTargetFresh: true)
        }
        if exchange.discardingForRetry {
            // The kept response broke: what remains to answer, if no retry happens, is a 502.
            exchange.discardingForRetry = false
            exchange.collecting = false
            exchange.lastFailure = .broken
            recordTry(.failure)
            return scheduleRetry(after: exchange.retryDelay)
        }
        exchange.collecting = false
        exchange.collectedBody.removeAll()
        switch failure {
        case .connectFailed: tryFailed(.connectFailed)
        case .connectTimeout: tryFailed(.connectTimeout)
        case .responseTimeout: tryFailed(.responseTimeout)
        case .brokenBeforeResponse, .brokenMidBody, .invalidResponse: tryFailed(.broken)
        }
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

    /// The response is queued: write it, then read the next request (pipelined ones are
    /// answered in order) or close.
    func finishExchange() {
        upstream?.close()
        upstream = nil
        let close = exchange.closeAfterResponse
        completeAccounting(status: exchange.finalStatus)
        exchange.reset()
        if close {
            state = .finishing
            closeAfterFlush = true
            inbound.clear()
            flush()
            return
        }
        state = .idle
        flush()
        guard state == .idle else { return }
        inbound.shrinkIfIdle(keeping: 65536)
        setDeadline(context.clientTimeout)
        // Inside the input loop (an answer given while parsing), that loop takes the next request.
        if isProcessingInput { return }
        processInput()
        // Reading stopped at a buffer limit while this request was forwarded: the socket will not
        // signal those bytes again (edge-triggered), so read them now, whatever the next request's state.
        if readPending && state != .closed && state != .finishing && state != .lingering { readAvailable() }
    }
}
