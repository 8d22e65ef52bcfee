/// A sluice configuration file for a test, built from per-section lines.
///
/// Every section holds `key: value` lines (YAML, without indentation) that go under its heading. The defaults
/// listen on ephemeral ports, turn off authentication, rate limiting, active health checks and the access log,
/// so that foundation tests see only forwarding.
struct SluiceConfig {
    var server: [String] = []
    var admin: [String] = []
    var upstream: [String] = []
    var auth: [String] = ["require_api_key: false"]
    var rateLimit: [String] = ["enabled: false"]
    var errors: [String] = []
    var logging: [String] = [#"access_log: "off""#]

    /// Upstream addresses (`host:port`).
    var targets: [String]

    init(targets: [String]) {
        self.targets = targets
    }

    /// The YAML text; `server.listen` and `admin.listen` default to `127.0.0.1:0` unless a line sets them.
    var yaml: String {
        var text = ""
        func section(_ name: String, _ lines: [String]) {
            guard !lines.isEmpty else { return }
            text += "\(name):\n" + lines.map { "  \($0)\n" }.joined()
        }
        section("server", withDefault(server, key: "listen", line: #"listen: "127.0.0.1:0""#))
        section("admin", withDefault(admin, key: "listen", line: #"listen: "127.0.0.1:0""#))
        let targetList = targets.map { "\"\($0)\"" }.joined(separator: ", ")
        section("upstream", ["targets: [\(targetList)]"]
            + withDefault(upstream, key: "health_check", line: #"health_check: { path: "" }"#))
        section("auth", auth)
        section("rate_limit", rateLimit)
        section("errors", errors)
        section("logging", logging)
        return text
    }

    private func withDefault(_ lines: [String], key: String, line: String) -> [String] {
        lines.contains { $0.hasPrefix(key + ":") } ? lines : [line] + lines
    }
}
