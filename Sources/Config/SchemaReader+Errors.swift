import Normaliser

/// Reading `errors:` and its `rules` list.
extension SchemaReader {
    static let errorsKeys = ["normalise", "expose_upstream_5xx_messages", "rules"]
    static let ruleKeys = ["status", "message", "code"]

    static func readErrors(_ section: MappingReader) -> ErrorsConfig {
        var config = ErrorsConfig.default
        section.read("normalise", .boolean, into: &config.normalise)
        section.read("expose_upstream_5xx_messages", .boolean, into: &config.exposeUpstream5xxMessages)
        guard let items = section.list("rules", of: "a list of { status, message, code }") else { return config }
        config.rules = items.compactMap { item in
            let entry = MappingReader(item.node, path: item.path, line: item.line, known: ruleKeys, log: section.log)
            let status = entry.required("status", .integer(400...599))
            var message: String?
            let messageValid = entry.read("message", ruleMessage, into: &message)
            let code = entry.required("code", errorCode)
            guard let status, let code, messageValid else { return nil }
            return CodeRule(status: status, messageContains: message, code: code)
        }
        return config
    }

    /// A rule's message: a non-empty substring; leave the key out to match any message.
    static let ruleMessage = ValueParser<String?>(allowed: "text the message contains, any case; leave out to match any") { text, _ in
        text.isEmpty ? .failure(Complaint("the text is empty")) : .success(text)
    }

    /// An envelope code such as `INSUFFICIENT_CREDIT_LIMIT`.
    static let errorCode = ValueParser<String>.text(allowed: "UPPER_SNAKE_CASE, e.g. INSUFFICIENT_CREDIT_LIMIT") { code in
        let words = code.split(separator: "_", omittingEmptySubsequences: false)
        let valid = code.count <= 64 && words.allSatisfy { word in
            !word.isEmpty && word.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
        } && code.unicodeScalars.first.map { ("A"..."Z").contains($0) } == true
        return valid ? nil : "\"\(code)\" is not UPPER_SNAKE_CASE"
    }
}
