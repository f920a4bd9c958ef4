// `llama-cli [--model DIR]` with no command: a menu like the original project's, with
// predefined prompts for both modes and prompts of your own.

import Foundation
import LlamaModel
import LlamaTokenizer

enum MenuCommand {
    /// A predefined prompt: completion text, or a chat message with an optional system message.
    struct Preset {
        let title: String
        let prompt: String
        var chat = false
        var system: String? = nil
    }

    static let presets = [
        Preset(title: "Complete", prompt: "The Python interpreter"),
        Preset(title: "Complete", prompt: "Have you ever heard of Llama Nuts and Bolts? It is"),
        Preset(title: "Chat", prompt: "What is the capital of France?", chat: true),
        Preset(title: "Chat", prompt: "How to go from Beijing to NY?", chat: true, system: "Always answer with emojis"),
    ]

    /// Menu choices 2, 3, ... pick the presets in order.
    static let presetNumbers = Dictionary(uniqueKeysWithValues: presets.indices.map { (String($0 + 2), $0) })

    static let specs = [Options.model] + GenerationOptions.specs

    static func run(_ tokens: [String]) throws {
        let arguments = try Arguments(tokens, specs: specs, command: "menu")
        let parameters = try GenerationOptions.parameters(arguments)
        let llama = try loadModel(arguments, options: try GenerationOptions.loadOptions(arguments))
        let interactive = Terminal.stdinIsTerminal
        let input = Terminal.LineReader()
        while true {
            Terminal.write(menuText(llama))
            Terminal.write("choice> ")
            guard let line = try input.next() else { break }
            let choice = line.trimmingCharacters(in: .whitespaces).lowercased()
            Terminal.write(interactive ? "" : "\n")
            switch choice {
            case "1":
                Terminal.write(ModelReport(llama.source).text)
            case let number where presetNumbers[number] != nil:
                try runPreset(presets[presetNumbers[number] ?? 0], llama, parameters)
            case "6", "7":
                Terminal.write(choice == "6" ? "text to complete> " : "message> ")
                guard let prompt = try input.next() else { return }
                if !interactive { Terminal.write("\n") }
                try runPreset(Preset(title: "", prompt: prompt, chat: choice == "7"), llama, parameters)
            case "q", "quit", "exit":
                return
            case "":
                continue
            default:
                Terminal.write("unknown choice '\(choice)'\n")
            }
            Terminal.write("\n")
        }
        Terminal.write("\n")
    }

    private static func menuText(_ llama: Llama) -> String {
        let p = llama.params
        var text = "\nSwiftLlama: \(llama.source.url.path) (dim \(p.dim), \(p.nLayers) layers, vocabulary \(p.vocabSize))\n"
        text += "  1. Print the model's metadata\n"
        for (index, preset) in presets.enumerated() {
            let system = preset.system.map { " [system: \"\($0)\"]" } ?? ""
            text += "  \(index + 2). \(preset.title)\(system): \"\(preset.prompt)\"\n"
        }
        text += "  6. Complete text of your own\n  7. Chat: a message of your own\n  q. Quit (or Ctrl-D)\n"
        return text
    }

    private static func runPreset(_ preset: Preset, _ llama: Llama, _ parameters: GenerationParameters) throws {
        llama.reset()
        let promptTokens: [Int32]
        if preset.chat {
            var messages: [ChatFormat.Message] = []
            if let system = preset.system { messages.append(.init(role: .system, content: system)) }
            messages.append(.init(role: .user, content: preset.prompt))
            promptTokens = try llama.promptTokens(for: messages)
        } else {
            promptTokens = try llama.promptTokens(for: preset.prompt)
            Terminal.write(preset.prompt)
        }
        let summary = try llama.generate(promptTokens: promptTokens, parameters: parameters) { piece in
            Terminal.write(piece.text)
            return true
        }
        Terminal.write("\n" + GenerateCommand.statsText(summary, loadSeconds: llama.loadSeconds) + "\n")
    }
}
