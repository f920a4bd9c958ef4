// A small hand-written argument parser (the package has no dependencies by choice).
//
// Accepted forms: `--name value`, `--name=value`, and bare `--flag`. Every option is
// declared up front, so an unknown or misspelt one is a usage error, never ignored.

import Foundation

/// One option a command accepts, with its help: the one declaration the parser and
/// `Help` both read.
struct OptionSpec {
    /// The name with its dashes, e.g. `--max-tokens`.
    let name: String
    /// The value's placeholder in help (`N`, `TEXT`, `text|json`), or nil for a switch
    /// (`--stats`).
    let value: String?
    /// What it does, for `--help`; lines after the first continue the description.
    let help: String
    /// Whether it may appear more than once (`--stop A --stop B`).
    let repeatable: Bool

    /// Declares an option.
    init(_ name: String, _ value: String?, _ help: String, repeatable: Bool = false) {
        self.name = name
        self.value = value
        self.help = help
        self.repeatable = repeatable
    }

    /// Whether it takes a value (`--top-p 0.9`) or is a switch (`--stats`).
    var takesValue: Bool { value != nil }
}

/// The parsed command line of one command: option values by name, in order of appearance.
struct Arguments {
    let command: String?
    private var values: [String: [String]] = [:]
    private(set) var switches: Set<String> = []

    /// Parses `tokens` against `specs`.
    /// - Throws: `CLIError.usage` for an unknown option, a missing value, a stray word, or
    ///   an option given twice that may appear once.
    init(_ tokens: [String], specs: [OptionSpec], command: String?) throws {
        self.command = command
        let byName = Dictionary(specs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var index = 0
        while index < tokens.count {
            let token = tokens[index]
            index += 1
            guard token.hasPrefix("-"), token != "-" else {
                throw CLIError.usage("unexpected argument '\(token)'", command: command)
            }
            var name = token, inlineValue: String? = nil
            if let equals = token.firstIndex(of: "=") {
                name = String(token[..<equals])
                inlineValue = String(token[token.index(after: equals)...])
            }
            guard let spec = byName[name] else {
                throw CLIError.usage("unknown option '\(name)'", command: command)
            }
            if !spec.repeatable, values[name] != nil || switches.contains(name) {
                throw CLIError.usage("\(name) given more than once", command: command)
            }
            if spec.takesValue {
                if let inlineValue {
                    values[name, default: []].append(inlineValue)
                } else {
                    guard index < tokens.count else {
                        throw CLIError.usage("\(name) needs a value", command: command)
                    }
                    values[name, default: []].append(tokens[index])
                    index += 1
                }
            } else {
                guard inlineValue == nil else {
                    throw CLIError.usage("\(name) takes no value", command: command)
                }
                switches.insert(name)
            }
        }
    }

    /// The value of an option given once, or nil.
    func string(_ name: String) -> String? { values[name]?.last }

    /// Every value of a repeatable option.
    func strings(_ name: String) -> [String] { values[name] ?? [] }

    /// Whether a switch (or a valued option) was given.
    func has(_ name: String) -> Bool { switches.contains(name) || values[name] != nil }

    /// A whole number, checked against `range`.
    func int(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw CLIError.usage("\(name) expects a whole number in \(describe(range)), found '\(text)'", command: command)
        }
        return value
    }

    /// A finite decimal number (range checks are the library's, see `GenerationParameters.validate`).
    func float(_ name: String) throws -> Float? {
        guard let text = string(name) else { return nil }
        guard let value = Float(text), value.isFinite else {
            throw CLIError.usage("\(name) expects a number, found '\(text)'", command: command)
        }
        return value
    }

    /// An unsigned 64-bit number (seeds).
    func uint64(_ name: String) throws -> UInt64? {
        guard let text = string(name) else { return nil }
        guard let value = UInt64(text) else {
            throw CLIError.usage("\(name) expects a whole number >= 0, found '\(text)'", command: command)
        }
        return value
    }

    /// A comma-separated list of token ids, e.g. `128000,791,6864`.
    func tokenIDs(_ name: String) throws -> [Int32]? {
        guard let text = string(name) else { return nil }
        return try parseTokenIDs(text, what: name, command: command)
    }

    private func describe(_ range: ClosedRange<Int>) -> String {
        range.upperBound == Int.max ? "\(range.lowerBound) or more" : "\(range.lowerBound)...\(range.upperBound)"
    }
}

/// Parses `1,2,3` (spaces allowed) into token ids.
/// - Throws: `CLIError.usage` naming the first piece that is not a 32-bit integer.
func parseTokenIDs(_ text: String, what: String, command: String?) throws -> [Int32] {
    let pieces = text.split(separator: ",", omittingEmptySubsequences: false)
        .map { $0.trimmingCharacters(in: .whitespaces) }
    guard !(pieces.count == 1 && pieces[0].isEmpty) else {
        throw CLIError.usage("\(what) expects comma-separated token ids, found nothing", command: command)
    }
    return try pieces.map { piece in
        guard let id = Int32(piece) else {
            throw CLIError.usage("\(what) expects comma-separated token ids, found '\(piece)'", command: command)
        }
        return id
    }
}
