import Engine
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
        exchange.methodIsIdempotent = RetryPolicy.isIdempotent(method: buffer[head.method])
        exchange.clientIsHTTP10 = head.version.minor == 0
        exchange.closeAfterResponse = !head.keepAlive || worker.isDraining

        // First pass: what the rewriting depends on.
        var nominated: [Range<Int>] = []
        var clientRequestID: Range<Int>? = nil
        var authorization: Range<Int>? = nil
        var duplicateAuthorization = false
        for field in head.headers {
            switch HeaderName.classify(buffer, field.name) {
            case .connection:
                for token in commaSeparatedTokens(buffer, field.value) {
                    let name = UnsafeRawBufferPointer(rebasing: buffer[token])
                    if !name.equalsLowercase("close") && !name.equalsLowercase("keep-alive") { nominated.append(token) }
                }
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
        for field in head.headers {
            let kind = HeaderName.classify(buffer, field.name)
            if kind.isHopByHop { continue }
            switch kind {
            case .contentLength, .expect, .xForwardedProto, .xRequestID:
                continue
            case .xForwardedFor:
                forwardedFor.append(field.value)
                continue
            default:
                if !nominated.isEmpty && isNominated(buffer, field.name, nominated) { continue }
            }
            out.append(contentsOf: buffer[field.name])
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: buffer[field.value])
            out.append(contentsOf: "\r\n".utf8)
        }
        out.append(contentsOf: "X-Forwarded-For: ".utf8)
        for range in forwardedFor where !range.isEmpty {
            out.append(contentsOf: buffer[range])
            out.append(contentsOf: ", ".utf8)
        }
        out.append(contentsOf: peerHost.utf8)
        out.append(contentsOf: "\r\nX-Forwarded-Proto: http\r\nX-Request-Id: ".utf8)
        out.append(contentsOf: exchange.requestID.utf8)
        out.append(contentsOf: "\r\n".utf8)
        exchange.upstreamRequest = out
        exchange.headEnd = out.count
        if duplicateAuthorization {
            // Answered once the body is read (the connection stays usable); never forwarded.
            exchange.refusal = PendingRefusal(error: .badRequest, message: "Multiple Authorization headers: send exactly one Authorization: Bearer <api key>")
        } else {
            admit(authorization: authorization.map { String(decoding: UnsafeRawBufferPointer(rebasing: buffer[$0]), as: UTF8.self) })
        }

        inbound.consume(head.length)
        parser.reset()

        switch head.framing {
        case .none, .untilClose:
            dispatch()
        case .contentLength(let length):
            exchange.sendContentLength = true
            if length == 0 { return dispatch() }
            exchange.bodyRemaining = length
            exchange.body.reserveCapacity(length)
            beginBody(expectsContinue: head.expectsContinue)
        case .chunked:
            exchange.sendContentLength = true
            exchange.chunked = ChunkedDecoder()
            beginBody(expectsContinue: head.expectsContinue)
        }
    }

    private func beginBody(expectsContinue: Bool) {
        state = .readingBody
        setDeadline(context.clientTimeout)
        if expectsContinue && exchange.refusal != nil {
            // The final status is known from the head: send it instead of 100 (Continue), so
            // the body is never uploaded (RFC 9110 §10.1.1), and close, as the body may follow.
            exchange.closeAfterResponse = true
            return dispatch()
        }
        if expectsContinue && inbound.isEmpty {
            outbound.append("HTTP/1.1 100 Continue\r\n\r\n")
            flush()
        }
    }

    private func isNominated(_ buffer: UnsafeRawBufferPointer, _ name: Range<Int>, _ nominated: [Range<Int>]) -> Bool {
        let candidate = UnsafeRawBufferPointer(rebasing: buffer[name])
        for token in nominated where candidate.equalsIgnoringCase(UnsafeRawBufferPointer(rebasing: buffer[token])) {
            return true
        }
        return false
    }

    /// Moves buffered body bytes into the exchange. Returns true when the request was dispatched.
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
            if exchange.body.count > context.maxBodyBytes {
                rejectUnparseable(.payloadTooLarge)
                return false
            }
            guard step.finished else { return false }
        } else {
            let n = min(exchange.bodyRemaining, inbound.count)
            exchange.body.append(contentsOf: UnsafeRawBufferPointer(rebasing: inbound.readable[0..<n]))
            inbound.consume(n)
            exchange.bytesIn += n
            exchange.bodyRemaining -= n
            guard exchange.bodyRemaining == 0 else { return false }
        }
        dispatch()
        return true
    }

    /// Auth (SPEC §3 `auth`) and rate limiting (§5), decided on the head. A refusal is answered
    /// once the body has been read; it takes no token from any bucket.
    private func admit(authorization: String?) {
        let config = context.config
        var apiKey: Substring? = nil
        if config.auth.requireAPIKey || config.rateLimit.key == .apiKey {
            switch APIKeyExtraction.bearerToken(fromAuthorization: authorization?[...]) {
            case .success(let token):
                apiKey = token
                if context.accessLog != nil { exchange.keyHash = context.keyHasher.hash(token) }
            case .failure(let problem):
                if config.auth.requireAPIKey {
                    exchange.refusal = PendingRefusal(error: .missingAuthorization, message: problem.message)
                    return
                }
            }
        }
        guard let limiter = context.limiter else { return }
        // Without a key (auth not required), a request is limited by its client address.
        let byKey = config.rateLimit.key == .apiKey && apiKey != nil
        guard let redis = worker.redis else {
            return apply(byKey ? limiter.decide(identity: apiKey!) : limiter.decide(identity: peerHost))
        }
        let identity = byKey ? String(apiKey!) : peerHost
        exchange.decisionPending = true
        let generation = requestGeneration
        redis.decide(identity: identity, plan: context.limitPlan) { [weak self] decision in
            guard let self, self.state != .closed, self.requestGeneration == generation else { return }
            self.redisDecided(decision, identity: identity, limiter: limiter)
        }
    }

    /// The Redis store answered (or not, within `redis.timeout`: then `on_failure` decides).
    private func redisDecided(_ decision: RateLimitDecision?, identity: String, limiter: RateLimiter) {
        exchange.decisionPending = false
        if let decision {
            apply(decision)
        } else if context.config.rateLimit.redis.onFailure == .allow {
            apply(limiter.decide(identity: identity))  // the local buckets stand in
        } else if exchange.refusal == nil {
            exchange.refusal = PendingRefusal(error: .serviceUnavailable, message: "Rate limiting is unavailable; try again later")
        }
        if exchange.dispatchWhenDecided {
            exchange.dispatchWhenDecided = false
            dispatch()
        }
    }

    /// Records a rate-limit decision on the exchange: its headers, and the 429 when refused.
    func apply(_ decision: RateLimitDecision) {
        decision.appendHeaders(to: &exchange.rateLimitHeaders)
        let refusedLimit = decision.refusingLimit.map { decision.plan.rules[$0].name }
        worker.stats.recordRateLimit(admitted: decision.admitted, limit: refusedLimit)
        exchange.rateLimitOutcome = decision.admitted ? .allowed : .limited
        if let refused = decision.refusal {
            exchange.refusal = PendingRefusal(
                error: .rateLimitExceeded, message: refused.message,
                details: .object([
                    JSONMember(name: "retry_after", value: .integer(refused.retryAfter)),
                    JSONMember(name: "limit", value: .integer(refused.limit)),
                    JSONMember(name: "window", value: .string(refused.window)),
                ]))
        }
    }

    /// The whole request is here: check it, finish the upstream request and start the first try.
    func dispatch() {
        state = .forwarding
        clearDeadline()
        if exchange.decisionPending {
            exchange.dispatchWhenDecided = true
            return
        }
        if let refusal = exchange.refusal {
            return respondOwnError(refusal.error, message: refusal.message, details: refusal.details)
        }
        if exchange.sendContentLength || !exchange.body.isEmpty {
            exchange.upstreamRequest.append(contentsOf: "Content-Length: ".utf8)
            exchange.upstreamRequest.append(contentsOf: String(exchange.body.count).utf8)
            exchange.upstreamRequest.append(contentsOf: "\r\n".utf8)
        }
        exchange.upstreamRequest.append(contentsOf: "\r\n".utf8)
        exchange.upstreamRequest.append(contentsOf: exchange.body)
        exchange.deadline = context.retryPolicy.deadline(startedAt: context.clock.nowNanoseconds())
        exchange.upstreamStartedAt = EventLoop.monotonicNanoseconds()
        startTry()
    }

    /// Starts a try: on the next healthy target (round-robin, circuit breakers and health checks
    /// decide), or — `sameTargetFresh` — once more on a new connection to the same target after a
    /// stale keep-alive connection failed.
    func startTry(sameTargetFresh: Bool = false) {
        if !sameTargetFresh {
            let start = exchange.attempt == 0 ? worker.nextTarget : exchange.target + 1
            switch context.health.choose(startingAt: start) {
            case .target(let index, let isTrial):
                exchange.target = index
                exchange.isTrial = isTrial
                if exchange.attempt == 0 { worker.nextTarget = index + 1 }
            case .noneHealthy(let retryAfter):
                // After a failed try, the request ends as that try did (SPEC §6 final failure).
                if exchange.attempt > 0, let last = exchange.lastFailure {
                    if last.finalStatus != nil { return answerFinalFailure(last) }
                    if exchange.collecting { return answerCollected() }
                }
                return respondOwnError(.serviceUnavailable, message: "No upstream target is available; try again later",
                                       extraHeaders: Array("Retry-After: \(retryAfter)\r\n".utf8))
            }
        }
        exchange.tryInFlight = true
        let pool = worker.pool(for: exchange.target, context: context)
        var connection = sameTargetFresh ? nil : pool.acquire()
        if connection == nil {
            do {
                connection = try UpstreamConnection(target: exchange.target, pool: pool, context: context, worker: worker)
            } catch {
                return tryFailed(.connectFailed)
            }
        }
        guard let connection else { return }
        upstream = connection
        exchange.upstreamRequest.withUnsafeBytes { bytes in
            connection.send(bytes, isHEAD: exchange.isHEAD, delegate: self)
        }
    }

    /// Records the outcome of the running try with the circuit breakers (once per try).
    func recordTry(_ outcome: TryOutcome) {
        guard exchange.tryInFlight else { return }
        exchange.tryInFlight = false
        context.health.record(target: exchange.target, outcome: outcome, wasTrial: exchange.isTrial)
        if outcome != .cancelled { worker.stats.recordTry(target: exchange.target, failed: outcome == .failure) }
    }

    /// A try failed: retry after a backoff if the policy allows (SPEC §6), else answer 502/504.
    func tryFailed(_ failure: TryFailure) {
        recordTry(.failure)
        exchange.lastFailure = failure
        if let delay = retryDelay(after: failure) {
            return scheduleRetry(after: delay)
        }
        answerFinalFailure(failure)
    }

    /// The backoff before the next try, or nil when this request gets no more tries.
    func retryDelay(after failure: TryFailure) -> Duration? {
        context.retryPolicy.retryDelay(
            attempt: exchange.attempt, methodIsIdempotent: exchange.methodIsIdempotent, failure: failure,
            now: context.clock.nowNanoseconds(), deadline: exchange.deadline, random: &worker.random)
    }

    func scheduleRetry(after delay: Duration) {
        exchange.attempt += 1
        exchange.retriedStale = false
        let timer = retryTimer ?? LoopTimer(loop: worker.loop) { [unowned self] in
            if self.state == .forwarding && self.upstream == nil { self.startTry() }
        }
        retryTimer = timer
        timer.arm(afterNanoseconds: delay.nanoseconds)
    }

    private func answerFinalFailure(_ failure: TryFailure) {
        if failure.finalStatus == 504 {
            respondOwnError(.upstreamTimeout)
        } else {
            respondOwnError(.upstreamUnavailable)
        }
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
