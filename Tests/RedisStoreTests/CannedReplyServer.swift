import Foundation
import TestSupport

/// A loopback TCP server that answers every read with the same bytes, whatever was sent: a
/// stand-in for a Redis that replies something unexpected.
final class CannedReplyServer: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32

    init(reply: String) throws {
        let (fd, port) = try LoopbackSocket.bind(listenBacklog: 4)
        listener = fd
        self.port = port
        let bytes = Array(reply.utf8)
        Thread.detachNewThread {
            let connection = accept(fd, nil, nil)
            guard connection >= 0 else { return }
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while read(connection, &buffer, buffer.count) > 0 {
                _ = bytes.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
            }
            close(connection)
        }
    }

    deinit {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}
