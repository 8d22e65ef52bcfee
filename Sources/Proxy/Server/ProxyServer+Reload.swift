import Config
import Engine
import Logging

/// Reloads on the control loop: the configuration file on SIGHUP (certificates, keys, limits, listeners and
/// admin listener included) and the keys file when it changes, each applied by every worker between requests;
/// a file with problems is logged and the running state kept.
extension ProxyServer {
    /// SIGHUP: read the file again; if valid, every worker switches to it between requests and
    /// rate-limit state is kept for limits that keep their name; if not, log every problem and
    /// keep running as before.
    func reload() {
        guard !isDraining else { return }
        let config: SluiceConfig
        do {
            config = try reloadConfiguration()
        } catch {
            for problem in error.problems {
                logger.error("reload rejected; keeping the running configuration", metadata: ["problem": "\(problem)"])
            }
            return
        }
        let tls: TLSContexts
        do {
            // Certificates and keys are read again (rotation); a bad pair keeps the running one.
            tls = try TLSContexts.load(config, file: "configuration")
        } catch {
            for problem in error.problems {
                logger.error("reload rejected; keeping the running configuration and certificates", metadata: ["problem": "\(problem)"])
            }
            return
        }
        guard let keys = authority.prepare(for: config, logger: logger) else { return }
        let next: ProxyContext
        do {
            let accessLog = config.logging.accessLog == context.config.logging.accessLog
                ? context.accessLog : try ProxyServer.openAccessLog(config.logging.accessLog)
            next = try ProxyContext(
                config: config, limiters: keys.limiters, keys: keys.keys, guesses: authority.guesses, accessLog: accessLog,
                tls: tls, previous: context, logger: logger)
        } catch {
            logger.error("reload rejected; keeping the running configuration", metadata: ["problem": "\(error)"])
            return
        }
        let configuredWorkers = config.server.workers > 0 ? config.server.workers : LoopThread.coreCount
        if configuredWorkers != workerCount {
            logger.warning("server.workers changes need a restart; keeping \(workerCount) workers")
        }
        var listenerFDs: [Int32]? = nil
        if config.server.listen != context.config.server.listen {
            do {
                listenerFDs = try bindPublic(config.server.listen)
            } catch {
                logger.error("reload: cannot bind the new listen address; keeping the old one", metadata: ["error": "\(error)"])
            }
        }
        authority.commit(keys, config: config)
        let previous = context
        context = next
        if previous.accessLog !== next.accessLog, let retired = previous.accessLog {
            // Requests still finishing under the old configuration log there; closed once they are done.
            runOnce(after: ProxyServer.retiredAccessLogLifetime) { retired.close() }
        }
        if next.health !== previous.health || next.config.upstream.healthCheck != previous.config.upstream.healthCheck {
            startHealthChecks()
        }
        let newListeners = listenerFDs
        forEachWorker { worker, index in worker.apply(next, listenerFD: newListeners?[index]) }
        if config.admin != previous.config.admin {
            admin?.close()
            admin = nil
            do {
                admin = try startAdmin()
            } catch {
                logger.error("reload: cannot bind the admin listener", metadata: ["error": "\(error)"])
            }
        }
        if config.auth.keysFile != previous.config.auth.keysFile || config.auth.keysReload != previous.config.auth.keysReload {
            watchKeysFile()
        }
        warnIfUnverified(config)
        logger.info("reloaded", metadata: ["limits": "\(config.rateLimit.limits.map { "\($0.name)=\($0.requests)" })"])
    }

    /// `upstream.tls.verify: false` with `https://` targets: said at start-up and on every reload that keeps it.
    func warnIfUnverified(_ config: SluiceConfig) {
        if TLSContexts.skipsVerification(config) {
            logger.warning("upstream.tls.verify is false: the certificates of https targets are not checked (for tests only)")
        }
    }

    /// (Re)starts the check of the keys file for changes, every `auth.keys_reload`, when there is one.
    func watchKeysFile() {
        keysWatch = nil
        guard !context.config.auth.keysFile.isEmpty else { return }
        keysWatch = RepeatingTimer(loop: control, every: context.config.auth.keysReload.wholeNanoseconds) { [unowned self] in
            self.reloadKeysIfChanged()
        }
    }

    /// The keys file changed: if it reads without problems, every worker switches to its keys between requests
    /// (a context like the running one with the new keys); if not, its problems are logged and the keys stay.
    private func reloadKeysIfChanged() {
        guard !isDraining, let keys = authority.prepareIfChanged(config: context.config, logger: logger) else { return }
        let next: ProxyContext
        do {
            next = try ProxyContext(
                config: context.config, limiters: keys.limiters, keys: keys.keys, guesses: authority.guesses,
                accessLog: context.accessLog, tls: context.tls, previous: context, logger: logger)
        } catch {
            logger.error("keys reload rejected", metadata: ["problem": "\(error)"])
            return
        }
        authority.commit(keys, config: context.config)
        context = next
        forEachWorker { worker, _ in worker.apply(next, listenerFD: nil) }
    }
}
