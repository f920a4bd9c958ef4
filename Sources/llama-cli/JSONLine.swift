// The JSON that llama-cli prints: one object per line, keys in a fixed, readable order
// (`{"id": 791, "text": "The"}`), which JSONEncoder cannot promise.

/// A JSON value small enough to write by hand.
indirect enum JSON {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)
    case array([JSON])
    /// Keys keep the order given.
    case object([(String, JSON)])
    case null
    /// JSON text written elsewhere (a tool call's arguments), inserted as it is.
    case raw(String)

    /// The value as compact JSON text with a space after `:` and `,` (as in the docs).
    var text: String {
        switch self {
        case .int(let value): return String(value)
        case .double(let value):
            return value.isFinite ? JSON.shortest(value) : "null"
        case .string(let value): return JSON.quote(value)
        case .bool(let value): return value ? "true" : "false"
        case .array(let items): return "[" + items.map(\.text).joined(separator: ", ") + "]"
        case .object(let pairs):
            return "{" + pairs.map { JSON.quote($0.0) + ": " + $0.1.text }.joined(separator: ", ") + "}"
        case .null: return "null"
        case .raw(let text): return text
        }
    }

    /// A double at single precision's shortest form (about 7 digits): enough for speeds
    /// and log-probabilities, short enough to read. `2.0` prints as `2`.
    static func shortest(_ value: Double) -> String {
        var text = String(Float(value))
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped.
    static func quote(_ string: String) -> String {
        var result = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
