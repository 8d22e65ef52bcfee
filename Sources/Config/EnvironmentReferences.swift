#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `${NAME}` in configuration values (SPEC §3): each reference is replaced by the environment
/// variable NAME when the file is read, so that secrets need not sit in the file. `$${` is a
/// literal `${`; a `$` not followed by `{` is kept as it is. NAME is letters, digits and `_`, not
/// starting with a digit (the POSIX shell's names). An unset variable is a problem; a variable set
/// to the empty string gives the empty string.
struct EnvironmentReferences: Sendable {
    /// The value of an environment variable, or nil when it is not set.
    let lookup: @Sendable (String) -> String?

    /// The process's environment, read when a file is read (a reload sees the same environment).
    static let process = EnvironmentReferences { name in getenv(name).map { String(cString: $0) } }

    /// What is wrong with a value's references.
    enum Failure: Error, Equatable {
        /// `${NAME}` names a variable that is not set.
        case unset(String)
        /// `${` without a closing `}`, or with something other than a name inside.
        case malformed(String)
    }

    /// `text` with every reference replaced.
    func expand(_ text: String) -> Result<String, Failure> {
        guard text.utf8.contains(UInt8(ascii: "$")) else { return .success(text) }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "$"), index + 2 < bytes.count, bytes[index + 1] == UInt8(ascii: "$"),
               bytes[index + 2] == UInt8(ascii: "{") {
                out += [UInt8(ascii: "$"), UInt8(ascii: "{")]
                index += 3
                continue
            }
            guard byte == UInt8(ascii: "$"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "{") else {
                out.append(byte)
                index += 1
                continue
            }
            guard let close = bytes[(index + 2)...].firstIndex(of: UInt8(ascii: "}")) else {
                return .failure(.malformed(String(decoding: bytes[index...], as: UTF8.self)))
            }
            let name = String(decoding: bytes[(index + 2)..<close], as: UTF8.self)
            guard EnvironmentReferences.isName(name) else {
                return .failure(.malformed(String(decoding: bytes[index...close], as: UTF8.self)))
            }
            guard let value = lookup(name) else { return .failure(.unset(name)) }
            out += value.utf8
            index = close + 1
        }
        return .success(String(decoding: out, as: UTF8.self))
    }

    private static func isName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
                return true
            default:
                return false
            }
        }
    }
}
