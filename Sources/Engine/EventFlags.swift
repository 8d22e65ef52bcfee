internal import CLibevent

/// libevent's `EV_*` flags as the `Int16` that callbacks receive (a combination, never one case).
public struct EventFlags: OptionSet, Sendable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }

    public static let read = EventFlags(rawValue: Int16(EV_READ))
    public static let write = EventFlags(rawValue: Int16(EV_WRITE))
    public static let persist = EventFlags(rawValue: Int16(EV_PERSIST))
    public static let edgeTriggered = EventFlags(rawValue: Int16(EV_ET))
    public static let closed = EventFlags(rawValue: Int16(EV_CLOSED))
}
