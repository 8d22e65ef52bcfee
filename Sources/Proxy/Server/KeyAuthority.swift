import APIKeys
import Config
import Essentials
import Logging
import RateLimiter

/// What outlives a reload on the control loop for SPEC §10: the keys file in force, the rate limiters of
/// `rate_limit.limits` and of each plan (kept by plan name, so buckets survive a reload), and the
/// `failed_auth_limit` buckets. A reload is prepared first (the file read and checked, limiters for new plans
/// made) and committed only once the rest of the configuration has been accepted.
final class KeyAuthority {
    private(set) var limiters: PlanLimiters
    /// The `auth.failed_auth_limit` buckets, by client address (always in memory: they guard this instance).
    let guesses: RateLimiter
    private(set) var keys: KeyTable?
    private var keysFile: String
    private var signature: KeysFileSignature?
    /// `rate_limit.max_tracked_keys` in force: each limiter's store (each plan's, the failed-auth one) holds at most this many.
    private var trackedKeysBound: Int

    /// A reload ready to be committed.
    struct Prepared {
        let limiters: PlanLimiters
        let keys: KeyTable?
        let signature: KeysFileSignature?
    }

    /// The state of a process that starts with `config` and the keys already loaded from its keys file.
    init(config: SluiceConfig, standard: RateLimiter, keys: KeyTable?) {
        let bound = config.rateLimit.maxTrackedKeys
        trackedKeysBound = bound
        limiters = PlanLimiters(standard: standard, plans: config.rateLimit.plans.mapValues { RateLimiter(limits: $0, maxTrackedKeys: bound) })
        guesses = RateLimiter(limits: [config.auth.failedAuthLimit], maxTrackedKeys: bound)
        self.keys = keys
        keysFile = config.auth.keysFile
        signature = keysFile.isEmpty ? nil : KeysFileSignature.of(path: keysFile)
    }

    /// Every limiter, for the sweep and the tracked-keys gauge.
    var allLimiters: [RateLimiter] { limiters.all + [guesses] }

    /// Reads `config`'s keys file, logging its start, its progress every 250,000 lines, its key count and how
    /// long it took (a file of a million keys takes seconds). nil without a keys file.
    static func loadKeys(for config: SluiceConfig, logger: Logger) -> Result<KeyTable?, KeysFileError> {
        let path = config.auth.keysFile
        guard !path.isEmpty else { return .success(nil) }
        logger.info("loading keys", metadata: ["file": "\(path)"])
        let started = SystemTime.monotonicNanoseconds()
        let result = KeyRegistry.load(path: path, planNames: Set(config.rateLimit.plans.keys)) { read, lines in
            logger.info("loading keys", metadata: ["file": "\(path)", "lines_read": "\(read)", "lines": "\(lines)"])
        }
        if case .success(let table) = result {
            let seconds = Double(SystemTime.monotonicNanoseconds() - started) / 1e9
            logger.info("keys loaded", metadata: [
                "file": "\(path)", "keys": "\(table.keyCount)", "consumers": "\(table.consumerCount)",
                "seconds": "\(Double(Int(seconds * 1000)) / 1000)",
            ])
        }
        return result.map { $0 }
    }

    /// SIGHUP with `config`: the keys file read again (it may be another file, or plans may have changed) and
    /// limiters for new plans; nil when the file has problems (each logged with its line).
    func prepare(for config: SluiceConfig, logger: Logger) -> Prepared? {
        let path = config.auth.keysFile
        let signature = path.isEmpty ? nil : KeysFileSignature.of(path: path)
        switch KeyAuthority.loadKeys(for: config, logger: logger) {
        case .success(let table):
            return Prepared(limiters: limiters(for: config), keys: table, signature: signature)
        case .failure(let error):
            log(error, logger: logger)
            return nil
        }
    }

    /// The file-change check of every `keys_reload`: a reload prepared when the file changed and reads without
    /// problems; nil otherwise (problems logged once per change, the keys in force kept).
    func prepareIfChanged(config: SluiceConfig, logger: Logger) -> Prepared? {
        guard !keysFile.isEmpty else { return nil }
        let current = KeysFileSignature.of(path: keysFile)
        guard current != signature else { return nil }
        signature = current
        guard current != nil else {
            logger.error("keys file cannot be read; keeping the keys in force", metadata: ["file": "\(keysFile)"])
            return nil
        }
        switch KeyAuthority.loadKeys(for: config, logger: logger) {
        case .success(let table):
            return Prepared(limiters: limiters, keys: table, signature: current)
        case .failure(let error):
            log(error, logger: logger)
            return nil
        }
    }

    /// Makes `prepared` the state in force under `config`: limits of kept plans reconfigured (buckets kept
    /// by limit name, clamped), then every consumer the new file moves to another plan takes its buckets
    /// along, by limit name.
    func commit(_ prepared: Prepared, config: SluiceConfig) {
        let rules = config.rateLimit.plans
        let bound = config.rateLimit.maxTrackedKeys == trackedKeysBound ? nil : config.rateLimit.maxTrackedKeys
        trackedKeysBound = config.rateLimit.maxTrackedKeys
        KeyAuthority.reconfigure(prepared.limiters.standard, config.rateLimit.limits, bound)
        for (name, limiter) in prepared.limiters.plans { KeyAuthority.reconfigure(limiter, rules[name] ?? [], bound) }
        KeyAuthority.reconfigure(guesses, [config.auth.failedAuthLimit], bound)
        if let old = keys, let new = prepared.keys, old !== new, !(limiters.plans.isEmpty && prepared.limiters.plans.isEmpty) {
            moveConsumers(from: old, under: limiters, to: new, under: prepared.limiters)
        }
        limiters = prepared.limiters
        keys = prepared.keys
        keysFile = config.auth.keysFile
        signature = prepared.signature
    }

    /// New limits for `limiter` and a new tracked-keys bound (nil: unchanged), unless neither changes
    /// (reinstalling the same limits would convert every stored row for nothing).
    private static func reconfigure(_ limiter: RateLimiter, _ rules: [LimitRule], _ maxTrackedKeys: Int?) {
        if limiter.limits != rules || maxTrackedKeys != nil {
            limiter.reconfigure(limits: rules, maxTrackedKeys: maxTrackedKeys)
        }
    }

    /// The limiters for `config`: a plan that keeps its name keeps its limiter (and buckets).
    private func limiters(for config: SluiceConfig) -> PlanLimiters {
        var kept: [String: RateLimiter] = [:]
        for (name, rules) in config.rateLimit.plans {
            kept[name] = limiters.plans[name] ?? RateLimiter(limits: rules, maxTrackedKeys: config.rateLimit.maxTrackedKeys)
        }
        return PlanLimiters(standard: limiters.standard, plans: kept)
    }

    private func moveConsumers(from old: KeyTable, under oldLimiters: PlanLimiters, to new: KeyTable, under newLimiters: PlanLimiters) {
        for reference in new.allConsumers {
            let consumer = new.consumer(reference)
            guard let before = old.consumer(named: consumer.id).map({ old.consumer($0).plan }), before != consumer.plan else { continue }
            let source = oldLimiters.limiter(forPlan: before)
            let target = newLimiters.limiter(forPlan: consumer.plan)
            if source !== target { target.adopt(identity: consumer.id, from: source) }
        }
    }

    private func log(_ error: KeysFileError, logger: Logger) {
        for problem in error.problems {
            logger.error("keys file rejected; keeping the keys in force", metadata: ["problem": "\(problem)"])
        }
    }
}
