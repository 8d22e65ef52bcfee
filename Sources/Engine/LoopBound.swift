import Glibc

/// Carries a loop-confined value across threads, to be opened only on its loop's thread
/// (swift-nio's `NIOLoopBound`). Opening it elsewhere traps.
public struct LoopBound<Value>: @unchecked Sendable {
    private let value: Value
    private let thread: pthread_t

    /// Wraps `value`; call on the thread that owns it.
    public init(_ value: Value) {
        self.value = value
        self.thread = pthread_self()
    }

    /// The value; only on the thread that made this box.
    public var unwrapped: Value {
        precondition(pthread_equal(thread, pthread_self()) != 0, "loop-bound value used off its thread")
        return value
    }
}
