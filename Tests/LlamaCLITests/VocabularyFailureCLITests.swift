// A GGUF vocabulary that cannot be used (an unknown pre-tokenizer) or a chat template that
// is neither Llama 3's nor ChatML stops only what needs it: token ids still run, info
// still prints, quantize still copies the keys; text and chat say why in one line.

import Foundation
import LlamaLoader
import LlamaTensor
import TestSupport
import Testing

@Suite struct VocabularyFailureCLITests {
    /// The demo model as Q8_0 GGUF, with metadata keys replaced by `changes`.
    static func demoGGUF(_ name: String, changes: [String: GGUFValue]) throws -> URL {
        let folder = try Fixtures.temporaryFolder(name)
        let plain = folder.appendingPathComponent("demo.gguf")
        let result = try CLI.run(["quantize", "--model", Fixtures.repositoryRoot.appendingPathComponent("Models/demo").path,
                                  "--out", plain.path])
        #expect(result.status == 0, "\(result.stderr)")
        let file = try GGUFFile(url: plain)
        let writer = GGUFWriter()
        for key in file.metadataKeys {
            if let value = changes[key] ?? file.metadata[key] { writer.add(key, value) }
        }
        for key in changes.keys where file.metadata[key] == nil {
            if let value = changes[key] { writer.add(key, value) }
        }
        for info in file.tensors {
            let tensor = try #require(try file.tensor(named: info.name))
            writer.addTensor(info.name, shape: info.shape, dtype: tensor.dtype) { out in
                out.copyMemory(from: tensor.rawBytes)
            }
        }
        let changed = folder.appendingPathComponent("\(name).gguf")
        try writer.write(to: changed)
        return changed
    }

    @Test func anUnknownPreTokenizerStopsOnlyText() throws {
        let model = try Self.demoGGUF("mystery-pre", changes: ["tokenizer.ggml.pre": .string("mystery")]).path
        let info = try CLI.run(["info", "--model", model])
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains("cannot be used: mystery-pre.gguf: tokenizer.ggml.pre: unknown pre-tokenizer \"mystery\""),
                "\(info.stdout)")
        let ids = try CLI.run(["generate", "--model", model, "--prompt-tokens", "4096,791", "--max-tokens", "3",
                               "--temperature", "0", "--format", "json"])
        #expect(ids.status == 0, "\(ids.stderr)")
        #expect(try ids.jsonLines().count == 4)
        let trace = try CLI.run(["trace", "--model", model, "--prompt-tokens", "4096,791", "--layers", "0"])
        #expect(trace.status == 0, "\(trace.stderr)")
        expectError(try CLI.run(["generate", "--model", model, "--prompt", "The"]),
                    mentioning: "tokenizer.ggml.pre: unknown pre-tokenizer \"mystery\" (known: llama-bpe, gpt-2, smollm)")
        expectError(try CLI.run(["chat", "--model", model], stdin: "hi\n"), mentioning: "unknown pre-tokenizer")
        // quantize copies the vocabulary as it is.
        let out = URL(fileURLWithPath: model).deletingLastPathComponent().appendingPathComponent("copy.gguf")
        let quantize = try CLI.run(["quantize", "--model", model, "--type", "q4_0", "--out", out.path])
        #expect(quantize.status == 0, "\(quantize.stderr)")
        #expect(try GGUFFile(url: out).metadata["tokenizer.ggml.pre"] == .string("mystery"))
    }

    @Test func anUnknownChatTemplateStopsOnlyChat() throws {
        let template = "{% for message in messages %}[INST] {{ message['content'] }} [/INST]{% endfor %}"
        let model = try Self.demoGGUF("mystery-template", changes: ["tokenizer.chat_template": .string(template)]).path
        expectError(try CLI.run(["chat", "--model", model], stdin: "hi\n"),
                    mentioning: "tokenizer.chat_template is neither Llama 3's nor ChatML")
        let text = try CLI.run(["generate", "--model", model, "--prompt", "The", "--max-tokens", "2"])
        #expect(text.status == 0, "\(text.stderr)")
        let info = try CLI.run(["info", "--model", model])
        #expect(info.stdout.contains("chat format      unknown template"), "\(info.stdout)")
    }
}
