// `llama-cli chat`: an interactive conversation. The whole dialog is re-encoded every
// turn; `Llama` notices the shared beginning and runs only the new tokens.

import Foundation
import LlamaModel
import LlamaTokenizer

/// A conversation with history, streaming each reply to stdout.
final class Conversation {
    let llama: Llama
    var parameters: GenerationParameters
    private(set) var system: String?
    private(set) var messages: [ChatFormat.Message] = []
    private(set) var lastSummary: GenerationSummary?

    init(llama: Llama, parameters: GenerationParameters, system: String?) {
        self.llama = llama
        self.parameters = parameters
        self.system = system
    }

    /// Forgets the conversation (keeps the system message).
    func reset() {
        messages = []
        llama.reset()
    }

    /// Sets a new system message and starts over.
    func setSystem(_ text: String?) {
        system = text
        reset()
    }

    /// Sends `text` as the user's message and streams the assistant's reply. Ctrl-C stops
    /// the reply where it is; the part already shown stays in the history.
    func send(_ text: String) throws {
        var dialog: [ChatFormat.Message] = []
        if let system { dialog.append(.init(role: .system, content: system)) }
        dialog += messages
        dialog.append(.init(role: .user, content: text))
        let promptTokens = try llama.promptTokens(for: dialog)
        var reply = ""
        let summary = try Interrupts.duringReply {
            try llama.generate(promptTokens: promptTokens, parameters: parameters,
                               isCancelled: { Interrupts.shouldStop }) { piece in
                reply += piece.text
                Terminal.write(piece.text)
                return !Interrupts.shouldStop
            }
        }
        lastSummary = summary
        Terminal.write("\n")
        if summary.finishReason == .cancelled { Terminal.writeError("[reply stopped]\n") }
        messages.append(.init(role: .user, content: text))
        messages.append(.init(role: .assistant, content: reply))
    }
}

enum ChatCommand {
    static func run(_ tokens: [String]) throws {
        let arguments = try Arguments(tokens, specs: GenerationOptions.specs + [
            OptionSpec(name: "--system", takesValue: true),
        ], command: "chat")
        let parameters = try GenerationOptions.parameters(arguments)
        let llama = try loadModel(arguments, options: try GenerationOptions.loadOptions(arguments))
        // Fails now, with the reason, when the model has no usable tokenizer or its chat
        // template is unknown.
        _ = try llama.chatFormat()
        let conversation = Conversation(llama: llama, parameters: parameters, system: arguments.string("--system"))
        let interactive = Terminal.stdinIsTerminal
        if interactive {
            Terminal.writeError("Chatting with \(llama.source.url.lastPathComponent). /help for commands, "
                                + "Ctrl-C stops a reply, Ctrl-D leaves.\n")
        }
        let input = Terminal.LineReader()
        while true {
            if interactive { Terminal.write("> ") }
            guard let line = try input.next() else { break }
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            if text.hasPrefix("/") {
                guard handleCommand(text, conversation) else { break }
                continue
            }
            try conversation.send(line)
        }
        if interactive { Terminal.write("\n") }
    }

    /// Runs a `/command`; returns false to leave.
    static func handleCommand(_ text: String, _ conversation: Conversation) -> Bool {
        let (name, rest) = splitCommand(text)
        switch name {
        case "/reset":
            conversation.reset()
            Terminal.writeError("[conversation reset]\n")
        case "/system":
            conversation.setSystem(rest.isEmpty ? nil : rest)
            Terminal.writeError(rest.isEmpty ? "[system message removed; conversation reset]\n"
                                             : "[system message set; conversation reset]\n")
        case "/stats":
            if let summary = conversation.lastSummary {
                Terminal.writeError(GenerateCommand.statsText(summary, loadSeconds: conversation.llama.loadSeconds) + "\n")
            } else {
                Terminal.writeError("[no reply yet]\n")
            }
        case "/quit", "/exit":
            return false
        case "/help":
            Terminal.writeError("/reset  forget the conversation\n/system TEXT  set the system message (and reset)\n"
                                + "/stats  speeds of the last reply\nCtrl-C  stop the reply (at the prompt: leave)\n/quit or Ctrl-D  leave\n")
        default:
            Terminal.writeError("[unknown command \(name); /help lists them]\n")
        }
        return true
    }

    private static func splitCommand(_ text: String) -> (String, String) {
        guard let space = text.firstIndex(of: " ") else { return (text, "") }
        return (String(text[..<space]), text[space...].trimmingCharacters(in: .whitespaces))
    }
}
