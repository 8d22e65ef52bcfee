import APIKeys
import Config
import Engine
import Essentials
import Logging
import Normaliser
import RateLimiter
import Resilience
import Stats

/// Everything a worker needs to serve requests under one configuration, derived once from a
/// ``SluiceConfig`` (addresses resolved, durations in nanoseconds). Immutable and shared by
/// every worker; a reload builds a new one.
public final class ProxyContext: Sendable {
    public let config: SluiceConfig
    /// Resolved upstream targets, in configuration order.
    let targets: [SocketAddress]
    /// Each target as configured, `host:port` or `https://host:port` (for logs and stats).
    let targetNames: [String]
    /// `host:port` of each target (the `Host` of health checks and of HTTP/1.0 requests without one).
    let targetHosts: [String]
    /// For each target: the SNI and verified name when it is an `https://` target (`upstream.tls.server_name`, or
    /// its host); nil for a plain one.
    let targetServerNames: [String?]
    let normaliser: Normaliser
    /// Shared by every worker and kept across reloads; nil when `rate_limit.enabled` is false.
    let limiters: PlanLimiters?
    /// The keys file in force (SPEC §10); nil when `auth.keys_file` is empty (any key is accepted).
    public let keys: KeyTable?
    /// The steps a request passes before it is forwarded (API key, key checks, rate limit), in order.
    let admission: AdmissionChain
    /// Circuit breakers and health-check state of the targets, shared by every worker; kept by a
    /// reload that leaves the targets and the breaker settings unchanged.
    public let health: TargetHealth
    let retryPolicy: RetryPolicy
    /// What of a client's request head goes upstream (SPEC §4).
    let requestHeaders: RequestHeaderPolicy
    let clock = MonotonicClock()
    /// Where access-log lines go; nil when `logging.access_log` is off.
    let accessLog: AccessLogWriter?
    /// Short keyed hashes of API keys for logs (keys are never logged).
    let keyHasher: KeyHasher
    let logger: Logger
    /// The TLS contexts made from this configuration's files.
    let tls: TLSContexts
    /// `server.tls.handshake_timeout`.
    let handshakeTimeout: Int64

    let maxHeaderBytes: Int
    let maxHeaderFields: Int
    let maxBodyBytes: Int
    let clientTimeout: Int64
    let connectTimeout: Int64
    let responseTimeout: Int64
    let keepalive: Int

    /// Resolves the targets; throws when one cannot be resolved. `keys` is the loaded `auth.keys_file` (nil
    /// without one); `guesses` holds the `auth.failed_auth_limit` buckets; `tls` the contexts made from the
    /// configuration's certificates and keys.
    init(config: SluiceConfig, limiters: PlanLimiters, keys: KeyTable?, guesses: RateLimiter, accessLog: AccessLogWriter?,
         tls: TLSContexts = .none, previous: ProxyContext? = nil, logger: Logger) throws(SocketError) {
        self.config = config
        self.tls = tls
        handshakeTimeout = config.server.tls?.handshakeTimeout.wholeNanoseconds ?? 0
        self.accessLog = accessLog
        self.keyHasher = previous?.keyHasher ?? KeyHasher()
        self.limiters = config.rateLimit.enabled ? limiters : nil
        self.keys = keys
        var steps: [any AdmissionStep] = []
        if config.auth.requireAPIKey || config.rateLimit.key == .apiKey || keys != nil {
            steps.append(APIKeyPresence(required: config.auth.requireAPIKey, countsOutcome: keys != nil))
        }
        if let keys {
            steps.append(FailedAuthThrottle(guesses: guesses))
            steps.append(APIKeyLookup(keys: keys, rules: config.auth.accessRules, guesses: guesses))
        }
        if let limiters = self.limiters {
            steps.append(RateLimiting(limiters: limiters, byAPIKey: config.rateLimit.key == .apiKey,
                                      localFallback: config.rateLimit.redis.onFailure == .allow))
        }
        self.admission = AdmissionChain(steps)
        self.logger = logger
        var targets: [SocketAddress] = []
        for target in config.upstream.targets {
            targets.append(try SocketAddress(host: target.address.host, port: target.address.port))
        }
        self.targets = targets
        self.targetNames = config.upstream.targets.map(\.description)
        self.targetHosts = config.upstream.targets.map(\.address.description)
        let serverName = config.upstream.tls.serverName
        self.targetServerNames = config.upstream.targets.map { $0.usesTLS ? (serverName.isEmpty ? $0.address.host : serverName) : nil }
        self.normaliser = Normaliser(
            rules: config.errors.rules,
            exposeUpstream5xxMessages: config.errors.exposeUpstream5xxMessages)
        let upstream = config.upstream
        if let previous, previous.config.upstream.targets == upstream.targets,
           previous.config.upstream.circuitBreaker == upstream.circuitBreaker,
           previous.config.upstream.healthCheck == upstream.healthCheck {
            health = previous.health
        } else {
            health = TargetHealth(
                targetCount: upstream.targets.count, failureThreshold: upstream.circuitBreaker.failures,
                openFor: upstream.circuitBreaker.openFor, trialTimeout: upstream.connectTimeout + upstream.responseTimeout,
                checkInterval: upstream.healthCheck.interval, clock: MonotonicClock())
        }
        retryPolicy = RetryPolicy(
            retries: upstream.retries, retryBackoff: upstream.retryBackoff, retryOn: upstream.retryOn,
            connectTimeout: upstream.connectTimeout, responseTimeout: upstream.responseTimeout)
        requestHeaders = RequestHeaderPolicy(config.server)
        maxHeaderBytes = config.server.maxHeaderBytes
        maxHeaderFields = config.server.maxHeaderFields
        maxBodyBytes = config.server.maxBodyBytes
        clientTimeout = config.server.clientTimeout.wholeNanoseconds
        connectTimeout = config.upstream.connectTimeout.wholeNanoseconds
        responseTimeout = config.upstream.responseTimeout.wholeNanoseconds
        keepalive = config.upstream.keepalive
    }
}

extension AuthConfig {
    /// `key_prefix` and `scopes` as the key verdict takes them.
    var accessRules: AccessRules {
        AccessRules(keyPrefix: keyPrefix, scopeRules: scopes.map { ScopeRule(methods: $0.methods, path: $0.path, scope: $0.scope) })
    }
}
