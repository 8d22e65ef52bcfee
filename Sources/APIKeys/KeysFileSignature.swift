#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What tells that a keys file changed without reading it: its inode, size and modification time
/// (checked every `auth.keys_reload`). A file replaced by a rename gets a new inode; one rewritten in place,
/// a new modification time or size.
public struct KeysFileSignature: Sendable, Equatable {
    let device: UInt64
    let inode: UInt64
    let size: Int64
    let modifiedSeconds: Int64
    let modifiedNanoseconds: Int64

    /// The signature of the file at `path`, or nil when it cannot be stat'ed (a missing file).
    public static func of(path: String) -> KeysFileSignature? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return KeysFileSignature(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
            modifiedSeconds: Int64(info.st_mtim.tv_sec), modifiedNanoseconds: Int64(info.st_mtim.tv_nsec))
    }
}
