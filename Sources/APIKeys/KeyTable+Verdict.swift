import OpenSSLBinding

extension KeyTable {
    /// The verdict on a request's API key (SPEC §10 checks 1 and 3–7 in order): a pure function of the
    /// `Authorization: Bearer` token (empty when there is none), the table, `rules`, the time `now` in Unix
    /// seconds, and the request's method and target (whose query is ignored).
    ///
    /// Hashes the token once (SHA-256) and looks it up without allocating; a key expires at the second its
    /// `expires` names.
    public func verdict(
        token: UnsafeRawBufferPointer, method: UnsafeRawBufferPointer, target: UnsafeRawBufferPointer, now: Int64,
        rules: AccessRules
    ) -> KeyVerdict {
        guard !token.isEmpty else { return .missing }
        if !rules.prefixBytes.isEmpty {
            guard token.count > rules.prefixBytes.count, Bytes.hasPrefix(token, rules.prefixBytes) else { return .invalidFormat }
        }
        guard let entry = entry(for: SHA256Digest(hashing: token)) else { return .unknown }
        if entry.isRevoked { return .revoked }
        if now >= entry.expires { return .expired }
        if let rule = rules.firstRule(method: method, target: target), !scopeSets[Int(entry.scopes)].contains(rule.scope) {
            return .insufficientScope(required: rule.scope)
        }
        return .accepted(ConsumerRef(index: entry.consumer))
    }

    /// `verdict(token:method:target:now:rules:)` over the UTF-8 of strings (the token as
    /// `APIKeyExtraction.bearerToken` gives it).
    public func verdict(
        token: some StringProtocol, method: some StringProtocol, target: some StringProtocol, now: Int64, rules: AccessRules
    ) -> KeyVerdict {
        withBytes(token) { token in
            withBytes(method) { method in
                withBytes(target) { target in verdict(token: token, method: method, target: target, now: now, rules: rules) }
            }
        }
    }

    private func withBytes<Result>(_ text: some StringProtocol, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        if let result = text.utf8.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) { return result }
        return Array(text.utf8).withUnsafeBytes(body)
    }
}
