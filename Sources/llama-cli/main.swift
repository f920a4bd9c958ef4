// llama-cli: the command-line face of SwiftLlama. Thin by design: it parses arguments and
// prints; everything else is in the libraries.
//
//   llama-cli generate --prompt "The Python interpreter"
//   llama-cli --help

import Foundation

/// Finds the command and runs it; returns the exit status.
func runCommandLine(_ arguments: [String]) -> Int32 {
    let commands: [String: ([String]) throws -> Void] = [
        "generate": GenerateCommand.run,
        "chat": ChatCommand.run,
        "tokenize": TokenizeCommand.tokenize,
        "detokenize": TokenizeCommand.detokenize,
        "info": InfoCommand.run,
        "quantize": QuantizeCommand.run,
        "trace": TraceCommand.run,
        "perplexity": PerplexityCommand.run,
        "attention": AttentionCommand.run,
        "picture": PictureCommand.run,
    ]
    var command: String? = nil
    var rest = arguments
    if let first = arguments.first, !first.hasPrefix("-") {
        command = first
        rest.removeFirst()
    }
    do {
        if command == "help" {
            Terminal.write(Help.text(for: rest.first))
            return 0
        }
        if arguments.first == "--version" {
            Terminal.write(Help.version + "\n")
            return 0
        }
        if rest.contains("--help") || rest.contains("-h") {
            Terminal.write(Help.text(for: command))
            return 0
        }
        if let command {
            guard let run = commands[command] else {
                throw CLIError.usage("unknown command '\(command)'", command: nil)
            }
            try run(rest)
        } else {
            try MenuCommand.run(rest)
        }
        return 0
    } catch CLIError.usage(let message, let hintCommand) {
        let name = hintCommand.map { $0 == "menu" ? "llama-cli" : "llama-cli \($0)" } ?? "llama-cli"
        Terminal.writeError("\(name): \(message)\nRun '\(name) --help' for usage.\n")
        return 2
    } catch CLIError.failure(let message) {
        Terminal.writeError("error: \(oneLine(message))\n")
        return 1
    } catch {
        Terminal.writeError("error: \(oneLine("\(error)"))\n")
        return 1
    }
}

/// Errors from Foundation can span lines; the contract is one line, and a short one: the
/// library already cuts what it quotes from a file, and this cut catches anything else that
/// quotes input at length.
func oneLine(_ text: String, limit: Int = 1000) -> String {
    let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
    guard line.count > limit else { return line }
    return "\(line.prefix(limit))... (\(line.count - limit) more characters)"
}

Terminal.ignoreBrokenPipes()
Interrupts.install()
exit(runCommandLine(Array(CommandLine.arguments.dropFirst())))
