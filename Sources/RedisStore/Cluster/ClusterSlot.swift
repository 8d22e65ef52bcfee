/// Redis Cluster's key-to-slot function: CRC16 (XMODEM: polynomial 0x1021, initial value 0) of the key, or of
/// the part between the first `{` and the next `}` when that part is not empty (a hash tag), modulo 16384.
public enum ClusterSlot {
    /// The number of slots of a Redis Cluster.
    public static let count = 16_384

    /// The slot of `key`.
    public static func of(_ key: some Collection<UInt8>) -> Int {
        let bytes = Array(key)
        if let open = bytes.firstIndex(of: UInt8(ascii: "{")),
           let close = bytes[(open + 1)...].firstIndex(of: UInt8(ascii: "}")), close > open + 1 {
            return Int(crc16(bytes[(open + 1)..<close])) & (count - 1)
        }
        return Int(crc16(bytes)) & (count - 1)
    }

    /// The slot of `key`'s UTF-8 bytes.
    public static func of(_ key: String) -> Int { of(Array(key.utf8)) }

    /// CRC16/XMODEM of `bytes`.
    public static func crc16(_ bytes: some Sequence<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 {
                crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1
            }
        }
        return crc
    }
}
