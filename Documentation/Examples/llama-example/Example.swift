// The library example of Documentation/16-Using-the-Library.md, complete and compiled in
// CI. Run it with a model folder:
//
//   swift run llama-example Models/demo "The Python interpreter"

import Foundation
import LlamaModel

// doc: library-example
@main
struct Example {
    static func main() async {
        let arguments = CommandLine.arguments
        guard arguments.count == 3 else {
            print("usage: llama-example MODEL_DIR PROMPT")
            exit(2)
        }
        do {
            // Load the folder: consolidated.00.pth (memory-mapped), params.json, tokenizer.model.
            let llama = try Llama(model: URL(fileURLWithPath: arguments[1]))

            var parameters = GenerationParameters()  // Meta's defaults: temperature 0.6, top-p 0.9
            parameters.temperature = 0                // greedy: the same text every run
            parameters.maxTokens = 32

            // Pieces arrive as they are generated; the summary comes last.
            for try await event in llama.generate(prompt: arguments[2], parameters: parameters) {
                switch event {
                case .piece(let piece):
                    print(piece.text, terminator: "")
                case .finished(let summary):
                    print("\n[\(summary.generatedTokens) tokens, \(summary.finishReason)]")
                case .toolCall:
                    break  // only a ChatSession with tools reads its replies for tool calls
                }
            }
        } catch {
            print("error: \(error)")
            exit(1)
        }
    }
}
// doc: end
