internal import COpenSSL

/// Cryptographically secure random bytes from OpenSSL's `RAND_bytes` (its DRBG, seeded by the kernel).
public enum SecureRandom {
    /// Fills `buffer` with random bytes, or throws when OpenSSL's generator cannot deliver (it is not seeded).
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) throws(OpenSSLError) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        var done = 0
        while done < buffer.count {
            // RAND_bytes takes an Int32 count.
            let chunk = min(buffer.count - done, Int(Int32.max))
            guard RAND_bytes((base + done).assumingMemoryBound(to: UInt8.self), Int32(chunk)) == 1 else {
                throw OpenSSLError.lastError(doing: "RAND_bytes")
            }
            done += chunk
        }
    }

    /// `count` random bytes.
    public static func bytes(count: Int) throws(OpenSSLError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let failure = bytes.withUnsafeMutableBytes { buffer -> OpenSSLError? in
            do throws(OpenSSLError) { try fill(buffer) } catch { return error }
            return nil
        }
        if let failure { throw failure }
        return bytes
    }
}
