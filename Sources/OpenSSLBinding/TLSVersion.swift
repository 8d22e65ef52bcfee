internal import COpenSSL

/// The lowest TLS version a context accepts (SPEC §11: TLS 1.2 and 1.3, or 1.3 only).
public enum TLSVersion: String, Sendable, Equatable {
    case tls12 = "1.2"
    case tls13 = "1.3"

    var protocolVersion: Int32 {
        switch self {
        case .tls12: return TLS1_2_VERSION
        case .tls13: return TLS1_3_VERSION
        }
    }
}
