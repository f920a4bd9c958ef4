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
