/// Which master serves each of a Redis Cluster's 16384 slots, read from `CLUSTER SLOTS`. Pure: no sockets.
public struct SlotMap: Equatable, Sendable {
    /// The masters, in the order first seen.
    public private(set) var masters: [RedisAddress] = []
    /// For each slot, an index into `masters`, or -1 when no master serves it.
    private var owners: [Int16]

    /// A map in which no slot has a master.
    public init() {
        owners = Array(repeating: -1, count: ClusterSlot.count)
    }

    /// Reads a `CLUSTER SLOTS` reply: `[[start, end, [host, port, id…], replicas…], …]`. An empty host (a node
    /// that does not know its own address) is `replying`'s. Nil when the reply is not of that shape.
    public init?(clusterSlots reply: RedisValue, replying: RedisAddress) {
        guard case .array(let ranges?) = reply else { return nil }
        self.init()
        for range in ranges {
            guard case .array(let fields?) = range, fields.count >= 3,
                  case .integer(let start) = fields[0], case .integer(let end) = fields[1],
                  start >= 0, start <= end, end < ClusterSlot.count,
                  case .array(let master?) = fields[2], master.count >= 2,
                  var host = master[0].text, case .integer(let port) = master[1], (1...65_535).contains(port)
            else { return nil }
            if host.isEmpty || host == "?" { host = replying.host }
            assign(Int(start)...Int(end), to: RedisAddress(host: host, port: UInt16(port)))
        }
    }

    /// The master serving `slot`, if any.
    public func master(of slot: Int) -> RedisAddress? {
        let owner = Int(owners[slot])
        return owner >= 0 ? masters[owner] : nil
    }

    /// Whether any slot has a master.
    public var isEmpty: Bool { masters.isEmpty }

    /// Gives `slots` to `master` (a `MOVED` does this for one slot before the map is read again).
    public mutating func assign(_ slots: ClosedRange<Int>, to master: RedisAddress) {
        let index: Int
        if let known = masters.firstIndex(of: master) {
            index = known
        } else {
            index = masters.count
            masters.append(master)
        }
        for slot in slots { owners[slot] = Int16(index) }
    }
}
