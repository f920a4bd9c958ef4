// JSON as tool calls need it: objects keep their keys in order, and a value is written back
// the way Python's `json.dumps` writes it. Meta's code re-encodes a tool call's arguments
// with `json.dumps` when it puts the call back into the prompt, so the same bytes (and
// tokens) come out only if the order and the spelling match. Foundation's JSONSerialization
// forgets key order, hence this small reader and writer.
// Documentation: Documentation/16-Using-the-Library.md

import Foundation

/// A JSON value whose objects keep their keys in the order they were read or built.
///
/// ```swift
/// let arguments = try JSONValue(parsing: #"{"city": "Paris", "days": 3}"#)
/// arguments["city"]?.string        // "Paris"
/// arguments.pythonJSON             // {"city": "Paris", "days": 3}
/// ```
public enum JSONValue: Sendable, Equatable, CustomStringConvertible {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, kept as the text Python's `json.dumps` writes for it: an integer's digits,
    /// or a float's shortest round-trip form (`1500.0`, `2.5`, `1e-05`).
    case number(String)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object: its members in order. A key read twice keeps its last value, in the first
    /// place, as Python's `dict` does.
    case object([(key: String, value: JSONValue)])

    /// Reads `text` as one JSON value (whitespace around it allowed).
    /// - Throws: `TokenizerError.invalidJSON` naming the offset where reading failed.
    public init(parsing text: String) throws {
        var reader = JSONReader(bytes: Array(text.utf8))
        self = try reader.readDocument()
    }

    /// A number from an integer.
    public static func integer(_ value: Int) -> JSONValue { .number(String(value)) }

    /// A number from a float, spelled as Python spells it.
    public static func float(_ value: Double) -> JSONValue { .number(pythonFloatText(value)) }

    /// The value of `key`, when this is an object that has it.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// The string, when this is a string.
    public var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The members, when this is an object.
    public var members: [(key: String, value: JSONValue)]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The value as `json.dumps(value)` writes it: `", "` between items, `": "` after
    /// keys, and every character outside ASCII escaped as `\uXXXX` (UTF-16 units).
    public var pythonJSON: String {
        var out = ""
        write(into: &out)
        return out
    }

    /// The same as `pythonJSON`.
    public var description: String { pythonJSON }

    /// Equal values: objects with the same members in the same order.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    private func write(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .number(let text): out += text
        case .string(let text): Self.writeString(text, into: &out)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += ", " }
                item.write(into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { out += ", " }
                Self.writeString(member.key, into: &out)
                out += ": "
                member.value.write(into: &out)
            }
            out += "}"
        }
    }

    /// A string as `json.dumps` writes it with `ensure_ascii=True`.
    static func writeString(_ text: String, into out: inout String) {
        out += "\""
        for unit in text.utf16 {
            switch unit {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            default:
                let hex = String(unit, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        out += "\""
    }
}

/// A float as Python's `repr` writes it: the shortest digits that read back to the same
/// value, always with a `.0` or an exponent so it stays a float.
func pythonFloatText(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
    // Swift's description has the same shortest digits. Python writes an exponent from
    // 1e16 up and below 1e-4; Swift already does from 2^53 up, so the values in between
    // (whole numbers) are written out in full here.
    let text = value.description
    let magnitude = abs(value)
    guard let e = text.firstIndex(of: "e"), magnitude < 1e16, magnitude >= 1e-4 else { return text }
    let mantissa = text[..<e], exponent = Int(text[text.index(after: e)...]) ?? 0
    let sign = mantissa.hasPrefix("-") ? "-" : ""
    let digits = mantissa.filter(\.isNumber)
    // The mantissa has one digit before its point; the value has exponent + 1 whole digits.
    return sign + digits + String(repeating: "0", count: max(0, exponent + 1 - digits.count)) + ".0"
}

/// A byte-level JSON reader (RFC 8259) that keeps object member order.
private struct JSONReader {
    let bytes: [UInt8]
    var offset = 0

    mutating func readDocument() throws -> JSONValue {
        skipWhitespace()
        let value = try readValue(depth: 0)
        skipWhitespace()
        guard offset == bytes.count else { throw fail("text after the value") }
        return value
    }

    func fail(_ what: String) -> TokenizerError {
        TokenizerError.invalidJSON(offset: offset, reason: what)
    }

    mutating func skipWhitespace() {
        while offset < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[offset]) { offset += 1 }
    }

    mutating func readValue(depth: Int) throws -> JSONValue {
        guard depth < 512 else { throw fail("nesting deeper than 512") }
        guard offset < bytes.count else { throw fail("a value was expected") }
        switch bytes[offset] {
        case UInt8(ascii: "{"): return try readObject(depth: depth)
        case UInt8(ascii: "["): return try readArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        default: return try readNumber()
        }
    }

    mutating func expect(_ word: String) throws {
        let word = Array(word.utf8)
        guard offset + word.count <= bytes.count, Array(bytes[offset..<offset + word.count]) == word else {
            throw fail("a value was expected")
        }
        offset += word.count
    }

    mutating func readObject(depth: Int) throws -> JSONValue {
        offset += 1
        var members: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "}") { offset += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else { throw fail("a key was expected") }
            let key = try readString()
            skipWhitespace()
            guard offset < bytes.count, bytes[offset] == UInt8(ascii: ":") else { throw fail("':' was expected") }
            offset += 1
            skipWhitespace()
            let value = try readValue(depth: depth + 1)
            if let index = members.firstIndex(where: { $0.key == key }) {
                members[index].value = value
            } else {
                members.append((key, value))
            }
            skipWhitespace()
            guard offset < bytes.count else { throw fail("'}' was expected") }
            if bytes[offset] == UInt8(ascii: ",") { offset += 1; continue }
            guard bytes[offset] == UInt8(ascii: "}") else { throw fail("',' or '}' was expected") }
            offset += 1
            return .object(members)
        }
    }

    mutating func readArray(depth: Int) throws -> JSONValue {
        offset += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "]") { offset += 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try readValue(depth: depth + 1))
            skipWhitespace()
            guard offset < bytes.count else { throw fail("']' was expected") }
            if bytes[offset] == UInt8(ascii: ",") { offset += 1; continue }
            guard bytes[offset] == UInt8(ascii: "]") else { throw fail("',' or ']' was expected") }
            offset += 1
            return .array(items)
        }
    }

    mutating func readString() throws -> String {
        offset += 1
        var units: [UInt16] = []
        var run: [UInt8] = []
        func flush() {
            units.append(contentsOf: String(decoding: run, as: UTF8.self).utf16)
            run.removeAll(keepingCapacity: true)
        }
        while offset < bytes.count {
            let byte = bytes[offset]
            offset += 1
            switch byte {
            case UInt8(ascii: "\""):
                flush()
                return String(decoding: units, as: UTF16.self)
            case UInt8(ascii: "\\"):
                flush()
                guard offset < bytes.count else { break }
                let escape = bytes[offset]
                offset += 1
                switch escape {
                case UInt8(ascii: "\""): units.append(0x22)
                case UInt8(ascii: "\\"): units.append(0x5C)
                case UInt8(ascii: "/"): units.append(0x2F)
                case UInt8(ascii: "b"): units.append(0x08)
                case UInt8(ascii: "f"): units.append(0x0C)
                case UInt8(ascii: "n"): units.append(0x0A)
                case UInt8(ascii: "r"): units.append(0x0D)
                case UInt8(ascii: "t"): units.append(0x09)
                case UInt8(ascii: "u"):
                    guard offset + 4 <= bytes.count,
                          let unit = UInt16(String(decoding: bytes[offset..<offset + 4], as: UTF8.self), radix: 16)
                    else { throw fail("a bad \\u escape") }
                    offset += 4
                    units.append(unit)
                default: throw fail("a bad escape")
                }
            case 0..<0x20:
                throw fail("a control character in a string")
            default:
                run.append(byte)
            }
        }
        throw fail("an unterminated string")
    }

    mutating func readNumber() throws -> JSONValue {
        let start = offset
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "-") { offset += 1 }
        var isFloat = false
        while offset < bytes.count {
            let byte = bytes[offset]
            if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                offset += 1
            } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
                        || ((byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")) && isFloat) {
                isFloat = true
                offset += 1
            } else {
                break
            }
        }
        let text = String(decoding: bytes[start..<offset], as: UTF8.self)
        guard !text.isEmpty, text != "-" else { throw fail("a value was expected") }
        if !isFloat {
            guard let integer = Int(text) else {
                // Python reads integers of any size; keep long ones as they were written.
                guard text.dropFirst(text.hasPrefix("-") ? 1 : 0).allSatisfy(\.isNumber) else { throw fail("a bad number") }
                return .number(text)
            }
            return .integer(integer)
        }
        guard let value = Double(text) else { throw fail("a bad number") }
        return .float(value)
    }
}
