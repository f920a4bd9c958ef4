// Fuzz target: llama-cli's argument parser on arbitrary argument lists (NUL-separated).
// It must parse or throw CLIError.usage.
import Foundation

private let specs = [
    OptionSpec("--model", "DIR", "a model"),
    OptionSpec("--max-tokens", "N", "a count"),
    OptionSpec("--temperature", "T", "a number"),
    OptionSpec("--stop", "STRING", "a repeatable string", repeatable: true),
    OptionSpec("--prompt-tokens", "IDS", "token ids"),
    OptionSpec("--stats", nil, "a switch"),
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzArguments(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let words = UnsafeBufferPointer(start: data, count: size).split(separator: 0, omittingEmptySubsequences: false)
        .map { String(decoding: $0, as: UTF8.self) }
    guard let arguments = try? Arguments(words, specs: specs, command: "generate") else { return 0 }
    _ = try? arguments.int("--max-tokens", in: 0...1_000_000)
    _ = try? arguments.float("--temperature")
    _ = try? arguments.tokenIDs("--prompt-tokens")
    _ = arguments.strings("--stop")
    return 0
}
