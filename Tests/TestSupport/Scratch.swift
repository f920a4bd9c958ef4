// Helpers several test targets share: a seeded generator, scratch folders, a fixture model
// with a byte-level tokenizer, and the built llama-cli.

import Foundation

/// SplitMix64: a tiny seeded generator, so a failing random test reproduces.
public struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    /// A generator that starts from `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Fixtures {
    /// A new empty folder under the temporary directory.
    public static func temporaryFolder(_ name: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("swiftllama-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// A fixture model of `Tests/Fixtures/models` in a temporary folder, together with a
    /// byte-level tokenizer (the 256 single bytes, then Meta's 256 special tokens): enough
    /// for the text paths (prompts, stop strings, chat) on a model that has no tokenizer.
    public static func modelFolderWithByteTokenizer(_ fixture: String) throws -> URL {
        let folder = try temporaryFolder(fixture)
        let source = url("models/\(fixture)")
        for name in ["consolidated.00.pth", "params.json"] {
            try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent(name),
                                                       withDestinationURL: source.appendingPathComponent(name))
        }
        let lines = (0..<256).map { "\(Data([UInt8($0)]).base64EncodedString()) \($0)" }
        try (lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("tokenizer.model"),
                                                          atomically: true, encoding: .utf8)
        return folder
    }

    /// The llama-cli that `swift build` put next to the test bundle (every product of the
    /// package lands in one folder), else the one in `.build/debug`.
    public static func llamaCLI() throws -> URL {
        try executable("llama-cli")
    }

    /// An executable product of the package, found as `llamaCLI()` is.
    public static func executable(_ name: String) throws -> URL {
        var candidates: [URL] = []
        var folder = Bundle.main.bundleURL
        for _ in 0..<3 {
            candidates.append(folder.appendingPathComponent(name))
            folder.deleteLastPathComponent()
        }
        candidates.append(repositoryRoot.appendingPathComponent(".build/debug/\(name)"))
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: candidates.map(\.path).joined(separator: ", ")])
        }
        return found
    }
}
