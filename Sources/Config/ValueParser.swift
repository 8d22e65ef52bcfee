/// Turns the text of one YAML scalar into a typed value, or says what is wrong with it.
struct ValueParser<Value: Sendable>: Sendable {
    /// What is allowed, printed in parentheses after every problem with this value.
    let allowed: String
    /// The value a YAML null (`~`, `null`, nothing) stands for; nil when null is an error.
    var nullValue: Value? = nil
    /// Parses the scalar's text (`isPlain`: it was written without quotes).
    let parse: @Sendable (_ text: String, _ isPlain: Bool) -> Result<Value, Complaint>
}

extension ValueParser where Value == Int {
    /// A whole number in `range`.
    static func integer(_ range: ClosedRange<Int>) -> ValueParser {
        let any = wholeNumber(allowed: "a whole number from \(range.lowerBound) to \(range.upperBound)")
        return ValueParser(allowed: any.allowed) { text, isPlain in
            any.parse(text, isPlain).flatMap { checked($0, in: range, printed: "\($0)") }
        }
    }

    /// Any whole number (whose range a domain type checks; `allowed` says what it allows).
    static func wholeNumber(allowed: String) -> ValueParser {
        ValueParser(allowed: allowed) { text, _ in
            let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
            guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit) else {
                return .failure(Complaint("\"\(text)\" is not a whole number"))
            }
            guard let number = Int(text) else { return .failure(Complaint("\(text) is too large")) }
            return .success(number)
        }
    }

    /// A size in bytes (`16KiB`) in `range`.
    static func size(_ range: ClosedRange<Int>) -> ValueParser {
        let bounds = "from \(Quantity.format(bytes: range.lowerBound)) to \(Quantity.format(bytes: range.upperBound))"
        return ValueParser(allowed: "bytes, or a number with B, KiB, MiB or GiB, \(bounds)") { text, _ in
            Quantity.size(text).flatMap { checked($0, in: range, printed: "\"\(text)\"") }
        }
    }
}

extension ValueParser where Value == Duration {
    /// A duration (`250ms`, `10s`, plain seconds) in `range`.
    static func duration(_ range: ClosedRange<Duration>) -> ValueParser {
        let bounds = "from \(Quantity.format(range.lowerBound)) to \(Quantity.format(range.upperBound))"
        return ValueParser(allowed: "a duration such as 250ms, 10s, 1m, 1h or plain seconds, \(bounds)") { text, _ in
            Quantity.duration(text).flatMap { checked($0, in: range, printed: "\"\(text)\"") }
        }
    }

    /// Any duration (whose range a domain type checks; `bounds` says what it allows, e.g. `from 1ms to 1d`).
    static func duration(allowed bounds: String) -> ValueParser {
        ValueParser(allowed: "a duration such as 250ms, 10s, 1m, 1h or plain seconds, \(bounds)") { text, _ in
            Quantity.duration(text)
        }
    }
}

extension ValueParser where Value == Bool {
    /// `true`/`false` (also `yes`/`no`, `on`/`off`, any case).
    static var boolean: ValueParser {
        ValueParser(allowed: "true or false") { text, _ in
            switch text.lowercased() {
            case "true", "yes", "on": return .success(true)
            case "false", "no", "off": return .success(false)
            default: return .failure(Complaint("\"\(text)\" is not a boolean"))
            }
        }
    }
}

extension ValueParser where Value == HostPort {
    /// `host:port`; port 0 only when `allowPortZero` (listen addresses).
    static func address(allowPortZero: Bool) -> ValueParser {
        let ports = allowPortZero ? "port 0 to 65535, 0 picks a free port" : "port 1 to 65535"
        return ValueParser(allowed: "host:port such as 127.0.0.1:8080 or [::1]:8080, \(ports)") { text, _ in
            HostPort.parse(text).flatMap { address in
                if address.port == 0 && !allowPortZero {
                    return .failure(Complaint("port 0 is not a port to connect to"))
                }
                return .success(address)
            }
        }
    }
}

extension ValueParser where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    /// One of the enumeration's raw values.
    static var choice: ValueParser {
        let names = Value.allCases.map(\.rawValue)
        return ValueParser(allowed: "one of: \(names.joined(separator: ", "))") { text, _ in
            guard let value = Value(rawValue: text) else {
                return .failure(Complaint("\"\(text)\" is not a choice"))
            }
            return .success(value)
        }
    }
}

extension ValueParser where Value == String {
    /// Any text that `problem` finds nothing wrong with.
    static func text(allowed: String, problem: @escaping @Sendable (String) -> String? = { _ in nil }) -> ValueParser {
        ValueParser(allowed: allowed) { text, _ in
            if let complaint = problem(text) { return .failure(Complaint(complaint)) }
            return .success(text)
        }
    }
}

/// `value` when it lies in `range`, otherwise a complaint that it is too small or too large.
private func checked<T: Comparable>(_ value: T, in range: ClosedRange<T>, printed: String) -> Result<T, Complaint> {
    if value < range.lowerBound { return .failure(Complaint("\(printed) is too small")) }
    if value > range.upperBound { return .failure(Complaint("\(printed) is too large")) }
    return .success(value)
}
