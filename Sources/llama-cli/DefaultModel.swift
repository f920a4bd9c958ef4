// Which model folder to use when `--model` is not given: the demo model that ships in the
// repository (Models/demo), so `llama-cli generate --prompt "..."` works right after cloning.

import Foundation

enum DefaultModel {
    /// The environment variable that overrides the default model folder.
    static let environmentVariable = "LLAMA_MODEL"

    /// `--model` if given; else `$LLAMA_MODEL`; else `Models/demo` in the current folder;
    /// else `Models/demo` in the checkout this program was built from.
    static func resolve(_ explicit: String?) -> URL {
        if let explicit { return URL(fileURLWithPath: explicit) }
        if let fromEnvironment = ProcessInfo.processInfo.environment[environmentVariable], !fromEnvironment.isEmpty {
            return URL(fileURLWithPath: fromEnvironment)
        }
        let local = URL(fileURLWithPath: "Models/demo")
        if FileManager.default.fileExists(atPath: local.path) { return local }
        // This file is Sources/llama-cli/DefaultModel.swift; three levels up is the checkout.
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Models/demo")
    }
}
