/// A Redis command's arguments laid out for `redisAsyncCommandArgv` (`argc`, `argv`, `argvlen`):
/// binary-safe, no C string terminators needed.
struct CommandArguments {
    private var bytes: [UInt8] = []
    private var lengths: [Int] = []

    init(_ arguments: [String]) {
        for argument in arguments {
            bytes += argument.utf8
            lengths.append(argument.utf8.count)
        }
    }

    /// Calls `body` with the count, the argument pointers and their lengths, valid during the call
    /// (hiredis copies the command before returning).
    func withArgv<R>(
        _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R
    ) -> R {
        bytes.withUnsafeBytes { raw in
            let start = raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
            var pointers: [UnsafePointer<CChar>?] = []
            pointers.reserveCapacity(lengths.count)
            var offset = 0
            for length in lengths {
                pointers.append((start + offset).assumingMemoryBound(to: CChar.self))
                offset += length
            }
            return pointers.withUnsafeMutableBufferPointer { argv in
                lengths.withUnsafeBufferPointer { argvLengths in
                    body(Int32(lengths.count), argv.baseAddress!, argvLengths.baseAddress!)
                }
            }
        }
    }
}
