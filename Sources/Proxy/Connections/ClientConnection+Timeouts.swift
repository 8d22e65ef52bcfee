import Engine

/// `client_timeout` (SPEC §3, §4), lazily: the timer is re-armed only when it fires before the deadline. It
/// bounds an idle keep-alive connection, a request head from its first byte, a stalled body, and output the
/// client stops reading — never a transfer the client keeps reading.
extension ClientConnection {
    func setDeadline(_ timeout: Int64) {
        let now = EventLoop.monotonicNanoseconds()
        deadline = now + timeout
        timer?.arm(notLaterThan: deadline, now: now)
    }

    func clearDeadline() { deadline = .max }

    /// At the deadline with output unwritten: writes what the socket takes now. True when it took some (the
    /// client is reading: the deadline was re-armed) or the connection closed meanwhile.
    private func outputProgressed() -> Bool {
        let sentBefore = outbound.totalWritten - outbound.count
        flush()
        if state == .closed || outbound.totalWritten - outbound.count == sentBefore { return state == .closed }
        if deadline <= EventLoop.monotonicNanoseconds() { setDeadline(context.clientTimeout) }
        return true
    }

    func timerFired() {
        guard state != .closed, deadline != .max else { return }
        let now = EventLoop.monotonicNanoseconds()
        if now < deadline {
            timer?.arm(afterNanoseconds: deadline - now)
            return
        }
        if isReadingRequest { return perform(machine.clientTimedOut()) }
        switch state {
        case .idle, .active, .finishing:
            // Output the client has not read: cut off only a client that stopped reading.
            if !outbound.isEmpty {
                if outputProgressed() { return }
                return abort()
            }
            // Forwarding, the deadline is only the output's; idle, it is the keep-alive timeout.
            if state == .idle { close() } else if state == .finishing { abort() }
        case .lingering:
            close()
        case .closed:
            break
        }
    }
}
