/// Collects the records of a keys file into a `KeyTable`, checking what spans lines: the keys of one `id`
/// agree on plan and scopes, and no `sha256` appears twice.
struct KeyTableBuilder {
    private var entries: [KeyTable.Entry] = []
    private var consumers: [KeyTable.ConsumerEntry] = []
    private var idBytes: [UInt8] = []
    private var consumerSlots = [UInt32](repeating: 0, count: KeyTable.slotCount(for: 0))
    private let planNames: [String]
    private var scopeSets: [[String]] = [[]]
    private var scopeSetIndex: [[String]: UInt32] = [[]: 0]

    init(planNames: Set<String>) {
        self.planNames = planNames.sorted()
    }

    /// Adds the key of `record` (from `line`), or returns what is wrong with it against earlier lines.
    mutating func add(_ record: KeyRecord, line: Int) -> String? {
        let plan = record.plan.map { UInt16(planNames.firstIndex(of: $0)! + 1) } ?? 0
        let scopes = internScopes(record.scopes)
        var id = record.id
        let consumer: UInt32 = id.withUTF8 { name in
            let hash = KeyTable.hash(name)
            if let found = KeyTable.find(in: consumerSlots, hash: hash, matches: { idOf($0).elementsEqual(name) }) {
                return found
            }
            let index = UInt32(consumers.count)
            consumers.append(KeyTable.ConsumerEntry(
                idStart: UInt32(idBytes.count), scopes: scopes, line: UInt32(line), plan: plan, idCount: UInt8(name.count)))
            idBytes.append(contentsOf: name)
            if consumers.count * 2 > consumerSlots.count { rehashConsumers() } else {
                KeyTable.insert(index, into: &consumerSlots, hash: hash)
            }
            return index
        }
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
        entries.append(KeyTable.Entry(
            digest: record.digest, expires: record.expires, consumer: consumer, line: UInt32(line), revoked: record.revoked))
        return nil
    }

    /// The table; nil after calling `repeated(line, message)` for each line whose `sha256` repeats an earlier
    /// line's.
    consuming func build(repeated: (Int, String) -> Void) -> KeyTable? {
        var keySlots = [UInt32](repeating: 0, count: KeyTable.slotCount(for: entries.count))
        var unique = true
        let mask = keySlots.count - 1
        for index in entries.indices {
            let digest = entries[index].digest
            var slot = Int(truncatingIfNeeded: digest.leadingWord) & mask
            while keySlots[slot] != 0, entries[Int(keySlots[slot] - 1)].digest != digest { slot = (slot + 1) & mask }
            if keySlots[slot] != 0 {
                let first = entries[Int(keySlots[slot] - 1)].line
                repeated(Int(entries[index].line), "sha256 repeats the key of line \(first) (each key appears once)")
                unique = false
            } else {
                keySlots[slot] = UInt32(index + 1)
            }
        }
        guard unique else { return nil }
        return KeyTable(
            entries: entries, keySlots: keySlots, consumers: consumers, idBytes: idBytes, consumerSlots: consumerSlots,
            planNames: planNames, scopeSets: scopeSets)
    }

    /// The name bytes of consumer `index`.
    private func idOf(_ index: UInt32) -> ArraySlice<UInt8> {
        let entry = consumers[Int(index)]
        return idBytes[Int(entry.idStart)..<Int(entry.idStart) + Int(entry.idCount)]
    }

    /// The index of `scopes` in `scopeSets`, so consumers with the same scopes share one array.
    private mutating func internScopes(_ scopes: [String]) -> UInt32 {
        if let index = scopeSetIndex[scopes] { return index }
        let index = UInt32(scopeSets.count)
        scopeSets.append(scopes)
        scopeSetIndex[scopes] = index
        return index
    }

    /// Doubles the consumer index and puts every consumer back.
    private mutating func rehashConsumers() {
        consumerSlots = [UInt32](repeating: 0, count: consumerSlots.count * 2)
        for index in consumers.indices {
            KeyTable.insert(UInt32(index), into: &consumerSlots, hash: KeyTable.hash(idOf(UInt32(index))))
        }
    }
}
