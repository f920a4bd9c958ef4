// `llama-cli chat`: an interactive conversation, a thin client of `ChatSession` (which keeps
// the history and a KV cache of its own, so each turn runs only its new tokens).

import Foundation
import LlamaModel
import LlamaTokenizer

/// The chat command's state: the session (replaced when the system message changes), how
/// replies are printed, and the last reply's summary.
final class ChatLoop {
    let llama: Llama
    var parameters: GenerationParameters
    let tools: ToolPrompt?
    let format: GenerateCommand.Format
    private(set) var session: ChatSession
    private(set) var lastSummary: GenerationSummary?
    /// A prompt cache to write once the opening messages have run (the file did not exist).
    var pendingPromptCache: URL?

    init(llama: Llama, parameters: GenerationParameters, system: String?, tools: ToolPrompt?,
         format: GenerateCommand.Format) throws {
        self.llama = llama
        self.parameters = parameters
        self.tools = tools
        self.format = format
        session = try ChatSession(model: llama, systemMessage: system, tools: tools)
    }

    /// Forgets the conversation (keeps the system message).
    func reset() {
        session.clear()
    }

    /// Starts over with a new system message.
    func setSystem(_ text: String?) throws {
        session = try ChatSession(model: llama, systemMessage: text, tools: tools)
    }

    /// Sends `text` as the user's message (or a tool's output) and streams the reply.
    /// Ctrl-C stops the reply where it is; a stopped reply stays out of the history.
    func send(_ text: String, as role: ChatFormat.Role = .user) throws {
        let hasText = llama.tokenizer != nil
        let summary = try Interrupts.duringReply {
            try session.respond(to: text, as: role, parameters: parameters, isCancelled: { Interrupts.shouldStop }) { piece in
                switch format {
                case .text: Terminal.write(piece.text)
                case .json: Terminal.write(GenerateCommand.jsonLines(for: piece, hasText: hasText))
                }
                return !Interrupts.shouldStop
            }
        }
        lastSummary = summary
        let call = summary.finishReason == .cancelled ? nil : session.messages.last?.toolCall
        switch format {
        case .text:
            Terminal.write("\n")
            if summary.finishReason == .cancelled { Terminal.writeError("[reply stopped]\n") }
            if let call {
                Terminal.writeError("[tool call \(call.name) \(call.arguments.pythonJSON); send its output with /tool TEXT]\n")
            }
        case .json:
            if let call {
                Terminal.write(JSON.object([("tool_call", .object([("name", .string(call.name)),
                                                                   ("arguments", .raw(call.arguments.pythonJSON))]))]).text + "\n")
            }
            Terminal.write(GenerateCommand.statsJSON(summary, loadSeconds: llama.loadSeconds).text + "\n")
        }
        if let file = pendingPromptCache, summary.finishReason != .cancelled {
            try session.savePromptCache(to: file, messageCount: session.openingMessageCount)
            pendingPromptCache = nil
        }
    }
}

enum ChatCommand {
    static let specs = [
        Options.model,
        Options.system,
        OptionSpec("--tools", "FILE", """
            tools the model may call (Llama 3.1): a JSON array of
            definitions {"name", "description", "parameters": JSON schema}
            and built-in names ("brave_search", "wolfram_alpha",
            "code_interpreter"). A reply that calls one is shown as
            [tool call NAME ARGS]; send the result with /tool TEXT
            """),
        OptionSpec("--format", "text|json", """
            text: replies as they stream (default); json: one line per
            token, {"tool_call": {"name", "arguments"}} for a call, then
            {"stats": {...}} after each reply
            """),
        OptionSpec("--prompt-cache", "FILE", """
            resume after the opening messages saved in FILE, or, when
            FILE does not exist, save them there after the first reply
            """),
    ] + GenerationOptions.specs

    static func run(_ tokens: [String]) throws {
        let arguments = try Arguments(tokens, specs: specs, command: "chat")
        let parameters = try GenerationOptions.parameters(arguments)
        let formatName = arguments.string("--format") ?? "text"
        guard let format = GenerateCommand.Format(rawValue: formatName) else {
            throw CLIError.usage("--format expects text or json, found '\(formatName)'", command: "chat")
        }
        let tools = try arguments.string("--tools").map(readTools)
        let llama = try loadModel(arguments, options: try GenerationOptions.loadOptions(arguments))
        // Fails now, with the reason, when the model has no usable tokenizer, its chat
        // template is unknown, or it cannot call tools.
        let chat = try ChatLoop(llama: llama, parameters: parameters, system: arguments.string("--system"),
                                tools: tools, format: format)
        if let path = arguments.string("--prompt-cache") {
            let file = URL(fileURLWithPath: path)
            if FileManager.default.fileExists(atPath: path) {
                let info = try chat.session.loadPromptCache(from: file)
                Terminal.writeError(promptCacheText(info) + "\n")
            } else {
                chat.pendingPromptCache = file
            }
        }
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
                guard try handleCommand(text, chat) else { break }
                continue
            }
            try chat.send(line)
        }
        if interactive { Terminal.write("\n") }
    }

    /// Reads `--tools FILE`: a JSON array of tool definitions (`{"name", "description",
    /// "parameters": JSON schema}`) and built-in tool names (`"brave_search"`,
    /// `"wolfram_alpha"`, `"code_interpreter"`), or one definition.
    static func readTools(_ path: String) throws -> ToolPrompt {
        let bytes = try Terminal.readFile(path, role: "tools file")
        do {
            let value = try JSONValue(parsing: String(decoding: bytes, as: UTF8.self))
            var tools = ToolPrompt()
            let items: [JSONValue]
            if case .array(let list) = value { items = list } else { items = [value] }
            for item in items {
                if let name = item.string {
                    guard let tool = BuiltinTool(rawValue: name) else {
                        throw CLIError.failure("tools file \(path): unknown built-in tool '\(name)' (expected one of "
                                               + BuiltinTool.allCases.map(\.rawValue).joined(separator: ", ") + ")")
                    }
                    tools.builtinTools.append(tool)
                } else {
                    tools.customTools.append(try ToolSpec(json: item))
                }
            }
            return tools
        } catch let error as TokenizerError {
            throw CLIError.failure("tools file \(path): \(error)")
        }
    }

    /// The line printed after a prompt cache is loaded.
    static func promptCacheText(_ info: PromptCacheInfo) -> String {
        String(format: "[prompt cache: %d tokens restored in %.2f s; running them took %.2f s]",
               info.tokens.count, info.loadSeconds, info.savedPrefillSeconds)
    }

    /// Runs a `/command`; returns false to leave.
    static func handleCommand(_ text: String, _ chat: ChatLoop) throws -> Bool {
        let (name, rest) = splitCommand(text)
        switch name {
        case "/reset":
            chat.reset()
            Terminal.writeError("[conversation reset]\n")
        case "/system":
            try chat.setSystem(rest.isEmpty ? nil : rest)
            Terminal.writeError(rest.isEmpty ? "[system message removed; conversation reset]\n"
                                             : "[system message set; conversation reset]\n")
        case "/stats":
            if let summary = chat.lastSummary {
                Terminal.writeError(GenerateCommand.statsText(summary, loadSeconds: chat.llama.loadSeconds) + "\n")
            } else {
                Terminal.writeError("[no reply yet]\n")
            }
        case "/tool":
            guard chat.tools != nil else {
                Terminal.writeError("[no tools: start the chat with --tools FILE]\n")
                return true
            }
            try chat.send(rest, as: .ipython)
        case "/quit", "/exit":
            return false
        case "/help":
            Terminal.writeError("/reset  forget the conversation\n/system TEXT  set the system message (and reset)\n"
                                + "/tool TEXT  send a tool's output (with --tools)\n"
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
