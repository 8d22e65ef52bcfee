internal import CLibevent
import Glibc

/// Starts a detached-from-Swift-concurrency POSIX thread, for event loops.
public struct LoopThread: Sendable {
    private let thread: pthread_t

    /// Runs `body` on a new thread.
    public init(name: String, _ body: @escaping @Sendable () -> Void) {
        final class Box: @unchecked Sendable {
            let body: @Sendable () -> Void
            let name: String
            init(_ body: @escaping @Sendable () -> Void, name: String) { self.body = body; self.name = name }
        }
        let box = Unmanaged.passRetained(Box(body, name: name)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { arg in
            let box = Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue()
            sluice_set_thread_name(String(box.name.prefix(15)))
            box.body()
            return nil
        }, box)
        precondition(status == 0, "pthread_create failed: \(status)")
        self.thread = thread
    }

    /// Waits for the thread to end.
    public func join() {
        pthread_join(thread, nil)
    }

    /// Online CPU cores.
    public static var coreCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
