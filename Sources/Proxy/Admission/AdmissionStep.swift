import Exchange

/// One step a request passes before it is forwarded (SPEC §3 `auth`, the API-key checks of §10, §5 rate
/// limiting). Every step has this one signature; ``AdmissionChain`` runs them in order on
/// the request head. A step that refuses sets the connection's refusal (answered once the body is read, never
/// forwarded); a step that answers later returns ``Admission/pending`` and resumes the chain with
/// ``ClientConnection/resumeAdmission(_:)``.
protocol AdmissionStep: Sendable {
    func admit(_ request: inout AdmissionRequest, on connection: ClientConnection) -> Admission
}

/// What the admission steps know of a request, and learn of it in turn.
struct AdmissionRequest {
    /// The request's `Authorization` value, when it has exactly one.
    var authorization: String?
    /// The method and the target in the connection's input buffer (valid while the chain runs on the head).
    var method: Range<Int> = 0..<0
    var target: Range<Int> = 0..<0
    /// The bearer token of `authorization`, once a step has extracted it.
    var apiKey: Substring? = nil
    /// The consumer whose key the keys file accepted (SPEC §10): its `id` and plan name.
    var consumer: (id: String, plan: String?)? = nil
}

/// The steps of one configuration, in order.
struct AdmissionChain: Sendable {
    private let steps: [any AdmissionStep]

    /// A chain of `steps`, run in this order (``ProxyContext`` builds it: API key present, address not
    /// throttled, key looked up, then rate limit).
    init(_ steps: [any AdmissionStep]) {
        self.steps = steps
    }

    /// Runs the steps from `start` until one refuses or waits (then `stoppedAt` is its index), or all admit.
    func run(_ request: inout AdmissionRequest, from start: Int = 0, on connection: ClientConnection)
        -> (admission: Admission, stoppedAt: Int)
    {
        var index = start
        while index < steps.count {
            let admission = steps[index].admit(&request, on: connection)
            if admission != .admitted { return (admission, index) }
            index += 1
        }
        return (.admitted, index)
    }
}
