// A program that writes only `import LlamaModel` can name every type the public API mentions,
// and every error shows the CLI's one line as its localizedDescription. This file
// deliberately imports nothing else of the package.

import Foundation
import LlamaModel
import Testing

@Suite("import LlamaModel is enough")
struct OneImportTests {
    /// Messages, roles, parameters and every error type resolve through `import LlamaModel`.
    @Test func publicTypesResolveThroughOneImport() {
        let message = ChatFormat.Message(role: .user, content: "Hi")
        #expect(message.role == .user)
        let params = ModelParams(dim: 64, nLayers: 2, nHeads: 4, vocabSize: 100)
        #expect(params.headDim == 16)
        let errors: [any Error] = [
            LoaderError.cannotOpen(file: "params.json", reason: "No such file or directory"),
            TokenizerError.tokenOutOfRange(id: 99_999, vocabularySize: 4352),
            ModelError.invalidOption(name: "top-p", expected: "a number in (0, 1]", found: "1.5"),
            TensorError.elementCountMismatch(shape: [2, 3], count: 5),
        ]
        for error in errors {
            // What an app shows is what llama-cli prints after "error: ".
            #expect(error.localizedDescription == "\(error)")
            #expect(!error.localizedDescription.contains("The operation could not be completed"))
        }
    }
}
