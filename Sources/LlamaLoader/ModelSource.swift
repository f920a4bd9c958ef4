// One entry point for both kinds of model: Meta's checkpoint folder or a GGUF file.
// Explained in Documentation/03-The-Model-Folder.md and Documentation/21-Quantization-and-GGUF.md.

import Foundation

/// A model opened from Meta's checkpoint folder or from a GGUF file: hyperparameters,
/// bound weights (views of the mapped file), and where its vocabulary comes from.
///
/// ```swift
/// let source = try ModelSource(url: URL(fileURLWithPath: "Llama3.2-1B"))       // a folder
/// let quantized = try ModelSource(url: URL(fileURLWithPath: "llama-1b-q8_0.gguf"))
/// quantized.params.dim        // 2048, from llama.embedding_length
/// ```
public struct ModelSource: Sendable {
    /// Where the weights come from.
    public enum Format: String, Sendable {
        /// `consolidated.00.pth`, `params.json` and `tokenizer.model` in a folder.
        case metaFolder = "meta"
        /// One `.gguf` file (weights, `llama.*` hyperparameters, `tokenizer.ggml.*` vocabulary).
        case gguf
    }

    /// The folder or file.
    public let url: URL
    /// Which of the two it is.
    public let format: Format
    /// The validated hyperparameters.
    public let params: ModelParams
    /// The weights, bound and shape-checked.
    public let weights: ModelWeights
    /// The opened folder, for `.metaFolder`.
    public let folder: ModelFolder?
    /// The opened file, for `.gguf`.
    public let gguf: GGUFFile?
    /// The mapped file holding the weights (to preload or advise).
    public let weightsFile: MappedFile

    /// Opens `url`: a folder is read as Meta's layout, anything else as a GGUF file.
    /// - Throws: `LoaderError`: whatever `ModelFolder(url:)`, `GGUFFile(url:)`,
    ///   `GGUFLlama.params(of:)` or `ModelWeights(gguf:params:)` throw.
    public init(url: URL) throws {
        self.url = url
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue {
            let folder = try ModelFolder(url: url)
            format = .metaFolder
            params = folder.params
            weights = folder.weights
            self.folder = folder
            gguf = nil
            weightsFile = folder.checkpoint.file
        } else {
            let file = try GGUFFile(url: url)
            format = .gguf
            params = try GGUFLlama.params(of: file)
            weights = try ModelWeights(gguf: file, params: params)
            folder = nil
            gguf = file
            weightsFile = file.file
        }
    }

    /// `tokenizer.model` of a Meta folder, if it has one.
    public var tokenizerURL: URL? { folder?.tokenizerURL }

    /// Every file the model is read from: the checkpoint, `params.json` and
    /// `tokenizer.model` of a folder, or the GGUF file. A command that writes a file passes
    /// these to `AtomicFileWriter` so that its output can never replace them.
    public var inputFiles: [URL] {
        guard let folder else { return [url] }
        return [folder.checkpoint.file.url, folder.url.appendingPathComponent(ModelFolder.paramsFileName)]
            + (folder.tokenizerURL.map { [$0] } ?? [])
    }
}
