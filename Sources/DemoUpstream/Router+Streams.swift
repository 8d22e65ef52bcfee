#if canImport(Glibc)
import Glibc
#endif

extension Router {
    /// 251 × 256 bytes: byte i is i % 251, and every block starting at a multiple of 251 is identical.
    private static let patternBlock: [UInt8] = (0..<(251 * 256)).map { UInt8($0 % 251) }

    /// `/bytes?n=N[&chunked=1|&framing=close][&slow_ms=M]`: N bytes, byte i = i % 251, in blocks of 64,256
    /// bytes, framed by Content-Length, chunked, or the end of the connection, with M ms between blocks.
    func sendBytes() -> Outcome {
        let total = max(0, request.queryInt("n") ?? 1024)
        let chunked = request.queryValue("chunked") == "1"
        let closeDelimited = !chunked && request.queryValue("framing") == "close"
        let keepAlive = keepAlive && !closeDelimited
        let pause = UInt32(max(0, request.queryInt("slow_ms") ?? 0))
        var head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
        if chunked {
            head += "Transfer-Encoding: chunked\r\n"
        } else if !closeDelimited {
            head += "Content-Length: \(total)\r\n"
        }
        if !keepAlive { head += "Connection: close\r\n" }
        guard stream.write(head + "\r\n") else { return .close }
        if isHead { return keepAlive ? .keepAlive : .close }
        var sent = 0
        while sent < total {
            if sent > 0 && pause > 0 { usleep(pause * 1000) }
            let size = min(Router.patternBlock.count, total - sent)
            var piece = chunked ? Array((String(size, radix: 16) + "\r\n").utf8) : []
            piece += Router.patternBlock[0..<size]
            if chunked { piece += [13, 10] }
            guard stream.write(piece) else { return .close }
            sent += size
        }
        if chunked && !stream.write("0\r\n\r\n") { return .close }
        return keepAlive ? .keepAlive : .close
    }

    /// A random fault for `/admin/chaos`: 503, a slow answer, a close or reset before the head, a close in the
    /// middle of the body, or a garbage status line. Never a hang, so that every try ends by itself.
    func chaos(_ roll: Int) -> Outcome {
        switch roll {
        case 0..<30: return send(errorResponse(status: 503, name: "", encoding: nil, chunked: false))
        case 30..<45:
            usleep(50_000)
            return send(.json(200, #"{"ok":true,"chaos":"slow"}"#))
        case 45..<60: return faultNamed("close-before-head", reset: false)
        case 60..<70: return faultNamed("close-before-head", reset: true)
        case 70..<85: return faultNamed("close-mid-body", reset: false)
        default: return faultNamed("garbage-status", reset: false)
        }
    }

    /// `/fault/NAME[?rst=1]`: misbehaviours for resilience tests. `rst=1` closes with a TCP reset.
    func fault(_ name: String) -> Outcome {
        faultNamed(name, reset: request.queryValue("rst") == "1")
    }

    private func faultNamed(_ name: String, reset: Bool) -> Outcome {
        switch name {
        case "close-before-head":
            stream.close(reset: reset)
            return .closed
        case "close-mid-body":
            let chunked = request.queryValue("chunked") == "1"
            let framing = chunked ? "Transfer-Encoding: chunked\r\n\r\n64\r\n" : "Content-Length: 1000\r\n\r\n"
            stream.write("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n" + framing)
            stream.write([UInt8](repeating: 120, count: 100))
            stream.close(reset: reset)
            return .closed
        case "never-answer":
            stream.drainUntilClosed()
            return .close
        case "garbage-status":
            stream.write("HTTP/1.1 abc Garbage\r\nContent-Length: 2\r\n\r\nok")
            stream.close(reset: reset)
            return .closed
        default:
            return send(.json(404, #"{"error":"unknown fault; known: close-before-head, close-mid-body, never-answer, garbage-status"}"#))
        }
    }
}
