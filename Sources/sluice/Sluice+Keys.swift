import APIKeys
import ArgumentParser
import OpenSSLBinding

#if canImport(Glibc)
import Glibc
#endif

extension Sluice {
    /// `sluice keys new|hash`: API keys for the keys file (SPEC §10).
    struct Keys: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "keys", abstract: "Make API keys for the keys file, and hash them.", subcommands: [New.self, Hash.self])
    }
}

extension Sluice.Keys {
    /// `sluice keys new --id ID [--plan P] [--prefix X]`: a random key; its keys-file line on stdout, the key on stderr.
    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "new",
            abstract: "Make a random API key: its keys-file line on stdout, the key itself (shown once) on stderr.")

        @Option(help: "The consumer's name: 1 to 64 of A-Z a-z 0-9 . _ -")
        var id: String

        @Option(help: "An entry of rate_limit.plans (none: the key uses rate_limit.limits).")
        var plan: String?

        @Option(help: "Text the key starts with (auth.key_prefix), e.g. keva_live_")
        var prefix: String = ""

        func validate() throws {
            do {
                try IssuedKey.check(id: id, prefix: prefix)
            } catch {
                throw ValidationError(error.description)
            }
        }

        func run() throws {
            let issued = try IssuedKey.make(id: id, plan: plan, prefix: prefix)
            print(issued.line)
            var standardError = StandardError()
            print(issued.key, to: &standardError)
        }
    }

    /// `sluice keys hash [KEY]`: the SHA-256 of a key as the keys file carries it.
    struct Hash: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hash",
            abstract: "Print the SHA-256 of KEY (or of standard input, without its final newline) as the keys file's sha256.")

        @Argument(help: "The API key; read from standard input when absent (keeps it out of the shell history).")
        var key: String?

        func run() throws {
            var bytes = key.map { Array($0.utf8) } ?? readStandardInput()
            if key == nil {
                if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
                if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            }
            guard !bytes.isEmpty else { throw ValidationError("no key given (pass KEY, or send it on standard input)") }
            print(SHA256Digest(hashing: bytes).hex)
        }

        private func readStandardInput() -> [UInt8] {
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                if count <= 0 { return bytes }
                bytes.append(contentsOf: chunk[0..<count])
            }
        }
    }
}
