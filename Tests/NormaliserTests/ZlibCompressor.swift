import CZlib

// Test-only zlib compression, for fixtures. No XCTest here: scripts/fuzz-normaliser.sh compiles this
// file into the fuzz target as well.

/// Compresses `input` with zlib: `windowBits` 31 gives gzip, 15 zlib-wrapped deflate, -15 raw deflate.
func zlibCompress(_ input: [UInt8], windowBits: Int32) -> [UInt8] {
    var stream = z_stream()
    precondition(sluice_deflateInit2(&stream, 9, windowBits) == Z_OK)
    defer { deflateEnd(&stream) }
    var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 64)
    var source = input
    let written: Int = source.withUnsafeMutableBufferPointer { from in
        output.withUnsafeMutableBufferPointer { to in
            stream.next_in = from.baseAddress
            stream.avail_in = uInt(from.count)
            stream.next_out = to.baseAddress
            stream.avail_out = uInt(to.count)
            precondition(deflate(&stream, Z_FINISH) == Z_STREAM_END)
            return to.count - Int(stream.avail_out)
        }
    }
    return Array(output[0..<written])
}
