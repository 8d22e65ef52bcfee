/// A message lower-cased once, searched for lower-case substrings in linear time (Knuth–Morris–Pratt), so a
/// long upstream message cannot make a long rule pattern slow.
struct LowercasedText {
    private let bytes: [UInt8]

    init(_ text: String) {
        bytes = Array(text.lowercased().utf8)
    }

    /// Whether `needle` (already lower-case) occurs in the text.
    func contains(_ needle: String) -> Bool {
        let pattern = Array(needle.utf8)
        guard !pattern.isEmpty else { return true }
        guard pattern.count <= bytes.count else { return false }
        // failure[i]: the length of the longest proper border of pattern[0...i].
        var failure = [Int](repeating: 0, count: pattern.count)
        var border = 0
        for index in 1..<pattern.count {
            while border > 0 && pattern[index] != pattern[border] { border = failure[border - 1] }
            if pattern[index] == pattern[border] { border += 1 }
            failure[index] = border
        }
        var matched = 0
        for byte in bytes {
            while matched > 0 && byte != pattern[matched] { matched = failure[matched - 1] }
            if byte == pattern[matched] { matched += 1 }
            if matched == pattern.count { return true }
        }
        return false
    }
}
