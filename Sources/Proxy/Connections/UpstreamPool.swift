import OpenSSLBinding

/// Idle keep-alive connections to one target, kept by one worker (LIFO: the most recently
/// used connection is the least likely to have been closed by the upstream).
final class UpstreamPool {
    private var idle: [UpstreamConnection] = []
    /// Set when a reload changed any `upstream` setting (pooled connections keep the settings they were opened
    /// with), and for the pools of requests still running under a replaced configuration: connections coming
    /// back are closed.
    private(set) var isRetired = false
    /// The TLS session of the last connection to an `https://` target that served a response, offered by the
    /// next connection so that it resumes instead of making a full handshake.
    var savedTLSSession: TLSSavedSession?

    /// An idle connection, or nil.
    func acquire() -> UpstreamConnection? {
        while let connection = idle.popLast() {
            if connection.state == .idle { return connection }
        }
        return nil
    }

    /// Keeps `connection` for reuse if fewer than `limit` are idle; closes it otherwise.
    func release(_ connection: UpstreamConnection, limit: Int) {
        if idle.count < limit && !isRetired {
            idle.append(connection)
        } else {
            connection.close()
        }
    }

    /// Forgets a connection that closed while idle.
    func remove(_ connection: UpstreamConnection) {
        if let index = idle.firstIndex(where: { $0 === connection }) {
            idle.remove(at: index)
        }
    }

    /// Closes the idle connections and refuses further ones.
    func retire() {
        isRetired = true
        closeAll()
    }

    func closeAll() {
        let connections = idle
        idle.removeAll()
        for connection in connections { connection.close() }
    }
}
