import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Debian's Chromium, headless, driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: commands go
/// in on the browser's fd 3, replies and events come out on its fd 4, each a JSON text ending in NUL). Started in a
/// fresh profile directory, closed (`Browser.close`, then SIGKILL by PID) when discarded.
final class HeadlessChromium {
    /// Why the browser could not be used.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// One page (a target the browser session is attached to, "flattened" into the same pipe).
    struct Page {
        let sessionID: String
    }

    /// Where Debian installs it.
    static let executable = "/usr/bin/chromium"

    let pid: pid_t
    private let commands: Int32
    private let replies: Int32
    private let profile: String
    private var pending: [UInt8] = []
    private var nextID = 0

    /// Starts the browser; throws a clear failure when Chromium is not installed.
    init(windowWidth: Int = 1280, windowHeight: Int = 1000) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else {
            throw Failure(description: "\(Self.executable) is missing: install Debian's chromium "
                + "(scripts/test.sh does: apt-get install --no-install-recommends chromium)")
        }
        profile = NSTemporaryDirectory() + "sluice-chromium-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: profile, withIntermediateDirectories: true)
        var toBrowser: [Int32] = [0, 0], fromBrowser: [Int32] = [0, 0]
        guard pipe(&toBrowser) == 0, pipe(&fromBrowser) == 0 else { throw Failure(description: "pipe failed: errno \(errno)") }
        // Only the dup2'd copies (3 and 4) reach the browser: the pipes move above them, close-on-exec (a pipe
        // that was fd 3 itself would keep its close-on-exec flag through a dup2 onto itself).
        let moved = (toBrowser + fromBrowser).map { fd -> Int32 in
            defer { Glibc.close(fd) }
            return fcntl(fd, F_DUPFD_CLOEXEC, 10)
        }
        toBrowser = [moved[0], moved[1]]
        fromBrowser = [moved[2], moved[3]]
        let arguments = [Self.executable, "--headless", "--disable-gpu", "--no-sandbox", "--remote-debugging-pipe",
                         "--no-first-run", "--no-default-browser-check", "--disable-dev-shm-usage", "--hide-scrollbars",
                         "--user-data-dir=\(profile)", "--window-size=\(windowWidth),\(windowHeight)", "about:blank"]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, profile + "/stdout.log", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, profile + "/stderr.log", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, toBrowser[0], 3)
        posix_spawn_file_actions_adddup2(&actions, fromBrowser[1], 4)
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, Self.executable, &actions, nil, &argv, environ)
        Glibc.close(toBrowser[0])
        Glibc.close(fromBrowser[1])
        guard status == 0 else {
            Glibc.close(toBrowser[1])
            Glibc.close(fromBrowser[0])
            throw Failure(description: "posix_spawn \(Self.executable) failed: \(status)")
        }
        pid = child
        commands = toBrowser[1]
        replies = fromBrowser[0]
    }

    deinit {
        _ = try? send("Browser.close", timeout: 5)
        let deadline = Date().addingTimeInterval(5)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() >= deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                break
            }
            usleep(20_000)
        }
        Glibc.close(commands)
        Glibc.close(replies)
        try? FileManager.default.removeItem(atPath: profile)
    }

    /// What the browser wrote to stderr so far (for failure messages).
    var log: String { (try? String(contentsOfFile: profile + "/stderr.log", encoding: .utf8)) ?? "" }

    /// Opens `url` in a new page and attaches to it.
    func open(_ url: String) throws -> Page {
        let target = try send("Target.createTarget", ["url": url])
        guard let targetID = target["targetId"] as? String else { throw Failure(description: "no targetId: \(target)") }
        let attached = try send("Target.attachToTarget", ["targetId": targetID, "flatten": true])
        guard let sessionID = attached["sessionId"] as? String else { throw Failure(description: "no sessionId: \(attached)") }
        return Page(sessionID: sessionID)
    }

    /// Evaluates `expression` in `page` and returns its value (JSON-like: String, NSNumber, Bool, arrays, dictionaries).
    func evaluate(_ expression: String, in page: Page) throws -> Any? {
        let reply = try send("Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true],
                             session: page)
        if let exception = reply["exceptionDetails"] { throw Failure(description: "\(expression) threw: \(exception)") }
        return (reply["result"] as? [String: Any])?["value"]
    }

    /// Evaluates `expression` every 100 ms until it is `true` (an exception counts as false: the page may still be
    /// loading); throws with the last exception and `describe`'s value after `timeout`.
    func waitUntil(_ expression: String, in page: Page, timeout: TimeInterval = 30, describe: String = "document.body.innerText") throws {
        let deadline = Date().addingTimeInterval(timeout)
        var lastError: Error?
        while Date() < deadline {
            do {
                if try evaluate(expression, in: page) as? Bool == true { return }
            } catch let error as Failure {
                lastError = error
            }
            usleep(100_000)
        }
        let state = (try? evaluate(describe, in: page)).map { "\($0)" } ?? "?"
        throw Failure(description: "still false after \(timeout) s: \(expression) (last error: \(lastError.map { "\($0)" } ?? "none"))"
            + "\npage: \(state.prefix(2000))")
    }

    /// A PNG of what `page` shows.
    func screenshot(_ page: Page) throws -> Data {
        let reply = try send("Page.captureScreenshot", ["format": "png", "captureBeyondViewport": true], session: page)
        guard let text = reply["data"] as? String, let png = Data(base64Encoded: text) else {
            throw Failure(description: "no screenshot data: \(reply.keys)")
        }
        return png
    }

    /// Sends one command and returns its result, skipping the events that come meanwhile.
    @discardableResult
    func send(_ method: String, _ params: [String: Any] = [:], session: Page? = nil, timeout: TimeInterval = 30) throws -> [String: Any] {
        nextID += 1
        let id = nextID
        var message: [String: Any] = ["id": id, "method": method, "params": params]
        if let session { message["sessionId"] = session.sessionID }
        var bytes = [UInt8](try JSONSerialization.data(withJSONObject: message))
        bytes.append(0)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(commands, $0.baseAddress, $0.count) }
            guard count > 0 else { throw Failure(description: "writing \(method) to the browser failed: errno \(errno)\n\(log)") }
            written += count
        }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let reply = try nextMessage(until: deadline, waitingFor: method)
            guard reply["id"] as? Int == id else { continue }
            if let error = reply["error"] { throw Failure(description: "\(method) failed: \(error)") }
            return reply["result"] as? [String: Any] ?? [:]
        }
    }

    private func nextMessage(until deadline: Date, waitingFor method: String) throws -> [String: Any] {
        while true {
            if let end = pending.firstIndex(of: 0) {
                let text = Data(pending[..<end])
                pending.removeSubrange(...end)
                if let object = try? JSONSerialization.jsonObject(with: text) as? [String: Any] { return object }
                continue
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw Failure(description: "no answer to \(method) in time\n\(log)") }
            var poller = pollfd(fd: replies, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(min(remaining, 1) * 1000)) >= 0 else { throw Failure(description: "poll: errno \(errno)") }
            guard poller.revents != 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { read(replies, $0.baseAddress, $0.count) }
            guard count > 0 else { throw Failure(description: "the browser closed its pipe while \(method) was pending\n\(log)") }
            pending.append(contentsOf: chunk[..<count])
        }
    }
}
