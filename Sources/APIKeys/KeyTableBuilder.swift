/// Collects the records of a keys file into a `KeyTable`, checking what spans lines: the keys of one `id`
/// agree on plan and scopes, and no `sha256` appears twice.
struct KeyTableBuilder {
    /// The key table, filled as lines come (sized for the expected count, grown if it is passed).
    private var slots: [KeyTable.Entry]
    /// The line of each filled slot, to name the first line of a repeated `sha256`.
    private var slotLines: [UInt32]
    private var keyCount = 0
    private var repeatedKey = false
    private var consumers: [KeyTable.ConsumerEntry] = []
    private var idBytes: [UInt8] = []
    private var consumerSlots: [UInt32]
    private let planNames: [String]
    private var scopeSets: [[String]] = [[]]
    private var scopeSetIndex: [[String]: UInt32] = [[]: 0]

    /// A builder for about `expectedKeys` keys (the file's line count: the table is allocated once).
    init(planNames: Set<String>, expectedKeys: Int) {
        self.planNames = planNames.sorted()
        slots = [KeyTable.Entry](repeating: .empty, count: KeyTable.keySlotCount(for: expectedKeys))
        slotLines = [UInt32](repeating: 0, count: slots.count)
        var consumerSlotCount = 16
        while consumerSlotCount < 2 * expectedKeys { consumerSlotCount <<= 1 }
        consumerSlots = [UInt32](repeating: 0, count: consumerSlotCount)
    }

    /// Adds the key of `record` (from `line`), or returns what is wrong with it against earlier lines.
    mutating func add(_ record: KeyRecord, line: Int) -> String? {
        let plan = record.plan.map { UInt16(planNames.firstIndex(of: $0)! + 1) } ?? 0
        let scopes = internScopes(record.scopes)
        var id = record.id
        let consumer = id.withUTF8 { consumerIndex(named: UnsafeRawBufferPointer($0), plan: plan, scopes: scopes, line: line) }
        let known = consumers[Int(consumer)]
        if known.plan != plan {
            let earlier = known.plan == 0 ? "no plan" : "plan \(KeyRecord.quoted(planNames[Int(known.plan) - 1]))"
            let here = plan == 0 ? "no plan" : "plan \(KeyRecord.quoted(record.plan!))"
            return "id \(KeyRecord.quoted(record.id)) has \(here) here but \(earlier) at line \(known.line) "
                + "(the keys of one id share one plan and one set of scopes)"
        }
        if known.scopes != scopes {
            return "id \(KeyRecord.quoted(record.id)) has other scopes here than at line \(known.line) "
                + "(the keys of one id share one plan and one set of scopes)"
        }
        let entry = KeyTable.Entry(
            digest: record.digest, expires: record.expires,
            consumerAndRevoked: consumer | (record.revoked ? KeyTable.Entry.revokedBit : 0), scopes: scopes)
        if let firstLine = insert(entry, line: UInt32(line)) {
            repeatedKey = true
            return "sha256 repeats the key of line \(firstLine) (each key appears once)"
        }
        return nil
    }

    /// The table, or nil when a `sha256` repeated.
    consuming func build() -> KeyTable? {
        guard !repeatedKey else { return nil }
        return KeyTable(
            slots: slots, keyCount: keyCount, consumers: consumers, idBytes: idBytes, consumerSlots: consumerSlots,
            planNames: planNames, scopeSets: scopeSets)
    }

    /// Puts `entry` in the table, or returns the line of the key with the same digest.
    private mutating func insert(_ entry: KeyTable.Entry, line: UInt32) -> UInt32? {
        if KeyTable.keySlotCount(for: keyCount + 1) > slots.count { grow() }
        var slot = KeyTable.home(of: entry.digest, slotCount: slots.count)
        while !slots[slot].isEmpty {
            if slots[slot].digest == entry.digest { return slotLines[slot] }
            slot = slot + 1 == slots.count ? 0 : slot + 1
        }
        slots[slot] = entry
        slotLines[slot] = line
        keyCount += 1
        return nil
    }

    /// Doubles the key table (only when the file has more keys than lines were counted: it changed meanwhile).
    private mutating func grow() {
        let old = zip(slots, slotLines).filter { !$0.0.isEmpty }
        slots = [KeyTable.Entry](repeating: .empty, count: 2 * slots.count)
        slotLines = [UInt32](repeating: 0, count: slots.count)
        keyCount = 0
        for (entry, line) in old { _ = insert(entry, line: line) }
    }

    /// The consumer named `name`, added with `plan`, `scopes` and `line` if new.
    private mutating func consumerIndex(named name: UnsafeRawBufferPointer, plan: UInt16, scopes: UInt32, line: Int) -> UInt32 {
        if let found = KeyTable.findConsumer(name, in: consumerSlots, consumers: consumers, idBytes: idBytes) { return found }
        let index = UInt32(consumers.count)
        consumers.append(KeyTable.ConsumerEntry(
            idStart: UInt32(idBytes.count), scopes: scopes, line: UInt32(line), plan: plan, idCount: UInt8(name.count)))
        idBytes.append(contentsOf: name)
        if consumers.count * 2 > consumerSlots.count {
            rehashConsumers()
        } else {
            KeyTable.insertConsumer(index, named: name, into: &consumerSlots)
        }
        return index
    }

    /// The index of `scopes` in `scopeSets`, so consumers with the same scopes share one array.
    private mutating func internScopes(_ scopes: [String]) -> UInt32 {
        if scopes.isEmpty { return 0 }
        if let index = scopeSetIndex[scopes] { return index }
        let index = UInt32(scopeSets.count)
        scopeSets.append(scopes)
        scopeSetIndex[scopes] = index
        return index
    }

    /// Doubles the consumer index and puts every consumer back.
    private mutating func rehashConsumers() {
        var slots = [UInt32](repeating: 0, count: consumerSlots.count * 2)
        idBytes.withUnsafeBytes { names in
            for (index, entry) in consumers.enumerated() {
                let name = UnsafeRawBufferPointer(rebasing: names[Int(entry.idStart)..<Int(entry.idStart) + Int(entry.idCount)])
                KeyTable.insertConsumer(UInt32(index), named: name, into: &slots)
            }
        }
        consumerSlots = slots
    }
}
