import Normaliser
import OpenSSLBinding

/// A new random API key and its keys-file line (`sluice keys new`, SPEC §10).
public struct IssuedKey: Sendable {
    /// The key: the prefix, then `randomCount` characters of `[A-Za-z0-9]`. Shown once, never stored.
    public let key: String
    /// Its keys-file line, e.g. `{"id":"acme","sha256":"…","plan":"pro"}` (no newline).
    public let line: String

    /// Characters after the prefix: 24 of 62 carry 142.9 bits (SPEC §10 asks for at least 128).
    public static let randomCount = 24

    /// The characters a key draws from.
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    /// What is wrong with a `keys new` argument.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// A fresh key for consumer `id`, under `plan` (nil: `rate_limit.limits`), starting with `prefix`.
    /// Throws a `Problem` for a bad `id` or `prefix`, an `OpenSSLError` when no random bytes can be had.
    public static func make(id: String, plan: String?, prefix: String) throws -> IssuedKey {
        try check(id: id, prefix: prefix)
        let key = prefix + String(decoding: try randomCharacters(count: randomCount), as: UTF8.self)
        var members = [JSONMember(name: "id", value: .string(id)), JSONMember(name: "sha256", value: .string(SHA256Digest(hashing: key).hex))]
        if let plan { members.append(JSONMember(name: "plan", value: .string(plan))) }
        return IssuedKey(key: key, line: String(decoding: JSONWriter.encode(.object(members)), as: UTF8.self))
    }

    /// Throws a `Problem` unless `id` is a valid consumer name and `prefix` may start a bearer token.
    public static func check(id: String, prefix: String) throws(Problem) {
        guard KeyRecord.isValidID(id) else {
            throw Problem(description: "id \(KeyRecord.quoted(id)) is not a valid consumer name (1 to 64 of A-Z a-z 0-9 . _ -)")
        }
        guard prefix.utf8.count <= 64, prefix.utf8.allSatisfy(isPrefixByte) else {
            throw Problem(description: "prefix \(KeyRecord.quoted(prefix)) is not allowed (at most 64 of A-Z a-z 0-9 . _ - ~ + /)")
        }
    }

    /// `count` characters of `alphabet`, uniformly: a random byte is used only when below 248 (= 4 × 62), so
    /// `byte % 62` favours no character (rejection sampling).
    static func randomCharacters(count: Int) throws -> [UInt8] {
        let limit = UInt8(256 / alphabet.count * alphabet.count)
        var characters: [UInt8] = []
        characters.reserveCapacity(count)
        while characters.count < count {
            for byte in try SecureRandom.bytes(count: 2 * count) where byte < limit && characters.count < count {
                characters.append(alphabet[Int(byte) % alphabet.count])
            }
        }
        return characters
    }

    private static func isPrefixByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"):
            return true
        default:
            return false
        }
    }
}
