/// Content encodings the demo upstream can apply to error bodies, without zlib: the deflate stream is either
/// stored (uncompressed) blocks or one fixed-Huffman block of literals only. Both are valid for every inflater;
/// the second exercises its Huffman decoding.
enum HandmadeDeflate {
    /// How the deflate data is coded.
    enum BlockKind {
        case stored
        case fixedHuffman
    }

    /// A raw deflate stream (RFC 1951) of the given block kind.
    static func rawDeflate(_ data: [UInt8], kind: BlockKind) -> [UInt8] {
        kind == .stored ? rawDeflate(data) : fixedHuffmanLiterals(data)
    }

    /// One final block with fixed Huffman codes (BTYPE 01), every byte a literal, then end-of-block.
    static func fixedHuffmanLiterals(_ data: [UInt8]) -> [UInt8] {
        var writer = BitWriter()
        writer.write(1, count: 1)  // BFINAL
        writer.write(1, count: 2)  // BTYPE 01, least significant bit first
        for byte in data {
            if byte < 144 {
                writer.writeHuffman(0x30 + UInt32(byte), length: 8)
            } else {
                writer.writeHuffman(0x190 + UInt32(byte) - 144, length: 9)
            }
        }
        writer.writeHuffman(0, length: 7)  // symbol 256, end of block
        return writer.finish()
    }

    /// Packs bits least significant first, as deflate does.
    private struct BitWriter {
        var bytes: [UInt8] = []
        var current: UInt32 = 0
        var used: UInt32 = 0

        mutating func write(_ value: UInt32, count: UInt32) {
            for i in 0..<count {
                current |= ((value >> i) & 1) << used
                used += 1
                if used == 8 { bytes.append(UInt8(current)); current = 0; used = 0 }
            }
        }

        /// Huffman codes are defined most significant bit first.
        mutating func writeHuffman(_ code: UInt32, length: UInt32) {
            for i in stride(from: Int(length) - 1, through: 0, by: -1) { write((code >> UInt32(i)) & 1, count: 1) }
        }

        mutating func finish() -> [UInt8] {
            if used > 0 { bytes.append(UInt8(current)) }
            return bytes
        }
    }

    /// A raw deflate stream (RFC 1951) of stored blocks.
    static func rawDeflate(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 5 * (data.count / 65_535 + 1))
        var offset = 0
        repeat {
            let length = min(65_535, data.count - offset)
            let isFinal = offset + length == data.count
            out.append(isFinal ? 1 : 0)  // BFINAL bit, BTYPE 00 (stored), then byte alignment.
            out.append(UInt8(length & 0xff))
            out.append(UInt8(length >> 8))
            out.append(UInt8(~length & 0xff))
            out.append(UInt8((~length >> 8) & 0xff))
            out.append(contentsOf: data[offset..<offset + length])
            offset += length
        } while offset < data.count
        return out
    }

    /// A gzip member (RFC 1952): header, stored deflate data, CRC-32 and size.
    static func gzip(_ data: [UInt8], kind: BlockKind = .fixedHuffman) -> [UInt8] {
        var out: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]
        out += rawDeflate(data, kind: kind)
        out += littleEndian(crc32(data))
        out += littleEndian(UInt32(truncatingIfNeeded: data.count))
        return out
    }

    /// A zlib stream (RFC 1950), which is what HTTP's `deflate` content coding means.
    static func zlib(_ data: [UInt8], kind: BlockKind = .fixedHuffman) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        out += rawDeflate(data, kind: kind)
        let adler = adler32(data)
        out += [UInt8(adler >> 24), UInt8((adler >> 16) & 0xff), UInt8((adler >> 8) & 0xff), UInt8(adler & 0xff)]
        return out
    }

    private static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xedb8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        for byte in data { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xff)] ^ (crc >> 8) }
        return crc ^ 0xffff_ffff
    }

    static func adler32(_ data: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return b << 16 | a
    }

    private static func littleEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value & 0xff), UInt8((value >> 8) & 0xff), UInt8((value >> 16) & 0xff), UInt8(value >> 24)]
    }
}
