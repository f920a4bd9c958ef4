// A model folder as Meta ships it: consolidated.00.pth, params.json, tokenizer.model.
// Explained in Documentation/04-Reading-a-PyTorch-Checkpoint.md.

import Foundation

/// A Llama 3.x model folder, opened: parameters read and validated, checkpoint mapped and
/// indexed, every weight bound and shape-checked. No weight byte has been read yet.
///
/// ```swift
/// let folder = try ModelFolder(url: URL(fileURLWithPath: "Llama3.1-8B-Instruct"))
/// folder.params.ffnHiddenDim        // 14336
/// folder.weights.layers.count       // 32
/// ```
///
/// ```
/// Llama3.1-8B-Instruct/
///   consolidated.00.pth   the weights (one shard: models up to 8B)
///   params.json           the hyperparameters
///   tokenizer.model       the BPE ranks (optional here: nil when absent)
/// ```
public struct ModelFolder: Sendable {
    /// The checkpoint file of a single-shard model.
    public static let checkpointFileName = "consolidated.00.pth"
    /// The hyperparameters file.
    public static let paramsFileName = "params.json"
    /// The tokenizer's BPE ranks file.
    public static let tokenizerFileName = "tokenizer.model"

    /// The folder.
    public let url: URL
    /// The validated hyperparameters.
    public let params: ModelParams
    /// The mapped, indexed checkpoint.
    public let checkpoint: TorchCheckpoint
    /// The weights `params` implies, bound to the checkpoint's tensors.
    public let weights: ModelWeights
    /// `tokenizer.model`, or `nil` when the folder has none.
    public let tokenizerURL: URL?

    /// Opens the model folder at `url`.
    /// - Throws: `LoaderError`: `.cannotOpen` (no such folder, no checkpoint, no
    ///   params.json), `.unsupportedFolder` (several checkpoint shards), any error of
    ///   `ModelParams.load(from:)`, `TorchCheckpoint(url:)` or `ModelWeights`.
    public init(url: URL) throws {
        let folderName = url.lastPathComponent
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw LoaderError.cannotOpen(file: folderName, reason: "expected a model folder, found \(isFolder.boolValue ? "a folder" : "nothing") at \(url.path)")
        }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        let shards = contents.filter(Self.isCheckpointShard).sorted()
        guard shards.count <= 1 else {
            throw LoaderError.unsupportedFolder(
                folder: folderName,
                reason: "expected one checkpoint file, found \(shards.count) shards (\(shards.joined(separator: ", "))); models split across several files (70B, 405B) are not supported yet")
        }
        guard let shard = shards.first else {
            throw LoaderError.cannotOpen(file: Self.checkpointFileName, reason: "expected it in \(url.path), found no consolidated.NN.pth")
        }
        self.url = url
        self.params = try ModelParams.load(from: url.appendingPathComponent(Self.paramsFileName))
        self.checkpoint = try TorchCheckpoint(url: url.appendingPathComponent(shard))
        self.weights = try ModelWeights(checkpoint: checkpoint, params: params)
        let tokenizer = url.appendingPathComponent(Self.tokenizerFileName)
        self.tokenizerURL = FileManager.default.fileExists(atPath: tokenizer.path) ? tokenizer : nil
    }

    /// `consolidated.00.pth`, `consolidated.01.pth`, ...
    private static func isCheckpointShard(_ name: String) -> Bool {
        guard name.hasPrefix("consolidated."), name.hasSuffix(".pth") else { return false }
        let number = name.dropFirst("consolidated.".count).dropLast(".pth".count)
        return !number.isEmpty && number.allSatisfy(\.isASCII) && number.allSatisfy(\.isNumber)
    }
}
