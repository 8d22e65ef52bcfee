import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Socket options the connection tests set on a client: a reset instead of a FIN, a small receive buffer, a
/// send timeout.
extension RawHTTPClient {
    /// Closes with SO_LINGER 0, so the peer sees a reset (RST) instead of a FIN.
    func closeWithReset() {
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        close()
    }

    /// Asks the kernel for a receive buffer of about `bytes`.
    func setReceiveBufferSize(_ bytes: Int32) {
        var size = bytes
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    /// A send blocked longer than `seconds` fails (so `send` returns false).
    func setSendTimeout(_ seconds: Int) {
        var tv = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }
}
