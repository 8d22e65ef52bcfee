import Resilience

/// Whether a request may pass, as its admission chain (API key, rate limit) decided: `admitted` (every step let
/// it through), `pending` (an asynchronous step, the Redis store, has not answered yet) or `refused` (a step
/// refused it: the proxy answers with that step's refusal and never forwards the request).
public enum Admission: Sendable, Equatable { case admitted, pending, refused }

/// One try of a request on an upstream target (SPEC §6).
public struct Try: Sendable, Equatable {
    /// 0-based index of the try: a request makes at most `retries + 1`.
    public var attempt: Int
    /// The target it runs on.
    public var target: Int
    /// Whether it is its target's half-open circuit trial (its outcome must be recorded as such).
    public var isTrial: Bool
    /// A fresh connection already replaced a stale keep-alive one within this try (done at most once).
    public var replacedStaleConnection: Bool

    /// A try not yet on a replacement connection.
    public init(attempt: Int, target: Int, isTrial: Bool, replacedStaleConnection: Bool = false) {
        self.attempt = attempt
        self.target = target
        self.isTrial = isTrial
        self.replacedStaleConnection = replacedStaleConnection
    }
}

/// What a request that is between tries ends as if no further try can start (no healthy target).
public enum Fallback: Sendable, Equatable {
    /// The last try failed this way: 502 or 504.
    case failure(TryFailure)
    /// The last try's response (a status in `retry_on`) was collected whole: it is the answer.
    case keptResponse
}

/// Why a response body is being collected instead of streamed.
public enum CollectionPurpose: Sendable, Equatable {
    /// An error response (≥ 400) to be normalised; the try is recorded.
    case answer
    /// A status in `retry_on` with tries left: read to the end (the connection stays usable) and kept in case
    /// no further try can start; the retry follows after `backoff`. The try is recorded when it ends.
    case keptForRetry(backoff: Duration)
}

/// Where one request is in its life. Each state carries only its own data.
public enum ExchangeState: Sendable, Equatable {
    /// Waiting for a whole request head.
    case readingHead
    /// Reading the request body; the admission decision may still be pending.
    case readingBody(Admission)
    /// The whole request is here; waiting for an asynchronous admission decision.
    case admitting
    /// A try runs on an upstream connection (no response head yet).
    case trying(Try)
    /// Waiting for the backoff before try `nextAttempt`, which starts after target `failedTarget`.
    case backingOff(nextAttempt: Int, failedTarget: Int, fallback: Fallback)
    /// A response below 400 (or any, when not normalising) streams to the client; `paused` while the client's
    /// unwritten output is above the high-water mark.
    case streaming(paused: Bool)
    /// A response body is being collected.
    case collecting(Try, CollectionPurpose)
    /// The answer is decided (or the connection dropped): the machine takes no further event.
    case done
}
