// Shared by the tokenizer tests: the real Llama 3 tokenizer (loaded once), tiny
// hand-made tokenizer files, and the JSON fixtures written by
// Scripts/make_tokenizer_fixtures.py from Meta's tokenizer (tiktoken).

import Foundation
import LlamaTokenizer
import TestSupport

/// Thrown (so the test fails, never skips) when the real tokenizer.model is missing.
struct MissingTokenizerError: Error, CustomStringConvertible {
    var description: String { Fixtures.missingTokenizerHint }
}

enum LlamaTokenizerFixture {
    private static let loaded: Result<Tokenizer, any Error> = Result {
        let url = Fixtures.llamaTokenizerURL
        guard FileManager.default.fileExists(atPath: url.path) else { throw MissingTokenizerError() }
        return try Tokenizer(contentsOf: url)
    }

    /// The real Llama 3 tokenizer, loaded once for all tests.
    static func load() throws -> Tokenizer { try loaded.get() }
}

/// A `tokenizer.model` text: one line per token, rank = position.
func ranksFile(_ tokens: [[UInt8]]) -> String {
    tokens.enumerated().map { "\(Data($0.element).base64EncodedString()) \($0.offset)" }.joined(separator: "\n") + "\n"
}

/// The 256 single bytes, in byte order, as every tokenizer needs them.
let singleBytes: [[UInt8]] = (0...255).map { [UInt8($0)] }

/// A 259-token vocabulary: the single bytes, then "he", "ll" and "hell".
let tinyTokenizerFile = ranksFile(singleBytes + [Array("he".utf8), Array("ll".utf8), Array("hell".utf8)])

/// A JSON fixture under Tests/Fixtures/tokenizer.
func loadFixture<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
    let data = try Data(contentsOf: Fixtures.url("tokenizer/\(name)"))
    return try JSONDecoder().decode(T.self, from: data)
}

struct EncodeFixture: Decodable {
    struct Case: Decodable {
        var name: String
        var text: String
        var ids: [Int32]
        var allowSpecialTokens: Bool?
    }
    var cases: [Case]
}

struct DecodeFixture: Decodable {
    struct Case: Decodable {
        var ids: [Int32]
        var text: String
    }
    var cases: [Case]
}

struct ChatFixture: Decodable {
    struct Message: Decodable {
        var role: String
        var content: String
        var stopReason: String?
    }
    struct Dialog: Decodable {
        var messages: [Message]
        var ids: [Int32]
    }
    var dialogs: [Dialog]
}

struct CharacterClassFixture: Decodable {
    /// `[first scalar value, class]`, class one of "L", "N", "S", "O".
    var runs: [[Run]]

    enum Run: Decodable {
        case value(UInt32)
        case name(String)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(UInt32.self) {
                self = .value(value)
            } else {
                self = .name(try container.decode(String.self))
            }
        }
    }
}
