internal import CLibevent
import Essentials
import Glibc
import Synchronization

/// One libevent `event_base`, confined to the thread that runs it.
///
/// Everything registered on a loop (watchers, timers, connections) lives on that loop's
/// thread only. The one thing that crosses threads is ``handle``, which queues work for the
/// loop and wakes it with `event_active` on a persistent wake-up event.
public final class EventLoop {
    /// The libevent base. Valid until the loop is deinitialised.
    public let base: OpaquePointer
    /// A `Sendable` handle other threads use to run work on this loop.
    public let handle: EventLoopHandle
    private var wakeEvent: OpaquePointer?

    /// Makes `evthread_use_pthreads()` happen once per process before any base exists.
    public static func prepareProcess() {
        _ = threadingEnabled
    }
    private static let threadingEnabled: Bool = {
        evthread_use_pthreads() == 0
    }()

    public init() {
        EventLoop.prepareProcess()
        guard let base = event_base_new() else { fatalError("event_base_new failed") }
        self.base = base
        self.handle = EventLoopHandle(base: UnsafeSendableBase(base))
        let wake = event_new(base, -1, Int16(EV_PERSIST), { _, _, arg in
            guard let arg else { return }
            Unmanaged<EventLoopHandle>.fromOpaque(arg).takeUnretainedValue().drain()
        }, Unmanaged.passUnretained(handle).toOpaque())
        self.wakeEvent = wake
        event_add(wake, nil)
        handle.attach(wakeEvent: UnsafeSendableBase(wake!))
    }

    deinit {
        handle.detach()
        if let wakeEvent { event_free(wakeEvent) }
        event_base_free(base)
    }

    /// Runs the loop until ``stop()`` is called, also when nothing is registered.
    public func run() {
        event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY)
    }

    /// Ends ``run()`` after the current callbacks.
    public func stop() {
        event_base_loopbreak(base)
    }

    /// The loops' clock, the one ``LoopTimer`` fires by: ``SystemTime/monotonicNanoseconds()``.
    @inlinable
    public static func monotonicNanoseconds() -> Int64 {
        SystemTime.monotonicNanoseconds()
    }
}

/// An opaque libevent pointer that is only ever used on its own loop thread, or with the
/// thread-safe libevent calls (`event_active`) after `evthread_use_pthreads()`.
public struct UnsafeSendableBase: @unchecked Sendable {
    public let pointer: OpaquePointer
    public init(_ pointer: OpaquePointer) { self.pointer = pointer }
}

/// Queues work for an ``EventLoop`` from any thread.
public final class EventLoopHandle: Sendable {
    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var wakeEvent: UnsafeSendableBase?
    }
    private let state = Mutex(State())
    private let base: UnsafeSendableBase

    init(base: UnsafeSendableBase) { self.base = base }

    func attach(wakeEvent: UnsafeSendableBase) {
        state.withLock { $0.wakeEvent = wakeEvent }
    }

    func detach() {
        state.withLock { $0.wakeEvent = nil; $0.jobs.removeAll() }
    }

    /// Runs `job` on the loop's thread, soon. Jobs run in the order they were queued.
    /// A job queued after the loop is gone is dropped.
    public func execute(_ job: @escaping @Sendable () -> Void) {
        let wake: UnsafeSendableBase? = state.withLock { state in
            guard state.wakeEvent != nil else { return nil }
            state.jobs.append(job)
            return state.jobs.count == 1 ? state.wakeEvent : nil
        }
        if let wake { event_active(wake.pointer, EV_READ, 0) }
    }

    func drain() {
        let jobs = state.withLock { state -> [@Sendable () -> Void] in
            let jobs = state.jobs
            state.jobs.removeAll()
            return jobs
        }
        for job in jobs { job() }
    }
}
