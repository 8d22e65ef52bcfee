import Engine
import Exchange

/// Writing to the client: flushing queued output with back-pressure on the upstream body, the end of each
/// exchange (the next pipelined request, or a close), and the lingering close after a final answer.
extension ClientConnection {
    /// Writes queued output; applies and releases back-pressure; completes a pending close.
    ///
    /// While output waits for the client, `client_timeout` runs from the last byte the socket accepted, so a
    /// slow reader that keeps reading is never cut off (SPEC §4).
    func flush() {
        let sentBefore = outbound.totalWritten - outbound.count
        if case .failed = transport.write(from: outbound) { return abort() }
        let accepted = outbound.totalWritten - outbound.count != sentBefore
        let stalled = !outbound.isEmpty
        if (stalled && !writeStalled) || (accepted && writeStalled), !isReadingRequest, state != .lingering {
            setDeadline(context.clientTimeout)
        }
        writeStalled = stalled
        if outbound.isEmpty {
            outbound.shrinkIfIdle(keeping: 65536)
            if closeAfterFlush { return lingeringClose() }
            if worker.isDraining && state == .idle && inbound.isEmpty { return close() }
        }
        if outbound.count < ClientConnection.outputLowWater {
            if case .resumeUpstream = machine.outputDrained(unwritten: outbound.count, lowWater: ClientConnection.outputLowWater) {
                upstream?.resume()
            }
            // Pipelined requests held back by unwritten output go on now.
            if state == .idle && !isProcessingInput && !inbound.isEmpty {
                processInput()
                if readPending && state != .closed { readAvailable() }
            }
        }
    }

    /// The answer is queued: write it, then read the next request (pipelined ones are answered in order)
    /// or close.
    func finishExchange() {
        upstream?.close()
        upstream = nil
        let close = exchange.closeAfterResponse
        completeAccounting(status: exchange.finalStatus)
        exchange.reset()
        machine.reset()
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

    /// Half-closes, then discards input until the peer closes or a short time passes, so that
    /// a final error response is not destroyed by a reset (what nginx calls lingering close).
    private func lingeringClose() {
        state = .lingering
        upstream?.close()
        upstream = nil
        transport.shutdownWrite()
        inbound.clear()
        // Short while draining: the process is waiting for this connection to go.
        setDeadline(min(context.clientTimeout, worker.isDraining ? 200_000_000 : 2_000_000_000))
        readAvailable()
    }
}
