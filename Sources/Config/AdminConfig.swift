/// The admin listener for /stats, /metrics, /healthz and /readyz (`admin:`).
public struct AdminConfig: Sendable, Equatable {
    /// Address of the admin listener; `nil` when disabled (`""` or `off` in the file).
    public var listen: HostPort?
    /// When not empty, /stats and /metrics need `Authorization: Bearer <token>`.
    public var token: String

    /// Creates an admin section; every argument defaults to SPEC §3.
    public init(listen: HostPort? = HostPort(host: "127.0.0.1", port: 9090), token: String = "") {
        self.listen = listen
        self.token = token
    }

    /// The defaults of SPEC §3.
    public static let `default` = AdminConfig()
}
