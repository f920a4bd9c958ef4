// Fuzz target: a whole GGUF file (header, metadata, tensor table, llama.* keys, weight
// binding). Any input must open or throw a LoaderError; every tensor view it hands out must
// be readable; a trap is a bug.
import Foundation

private let path = "/dev/shm/swiftllama-fuzz-\(getpid()).gguf"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGGUF(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: size))
    guard let file = try? GGUFFile(url: URL(fileURLWithPath: path)) else { return 0 }
    for key in file.metadataKeys {
        _ = file.metadata[key]?.summary
        // A numeric array is a view of the mapping: both of its ends must be readable.
        if let elements = file.metadata[key]?.numericArray, let last = elements.indices.last {
            _ = (elements[0], elements[last])
        }
    }
    // Every tensor of the table either views bytes inside the file or throws.
    for info in file.tensors {
        if let tensor = try? file.tensor(named: info.name) { read(tensor) }
    }
    guard let params = try? GGUFLlama.params(of: file),
          let weights = try? ModelWeights(gguf: file, params: params) else { return 0 }
    // Sizes derived from accepted parameters must be computable.
    _ = params.headDim * params.nKVHeads * params.nLayers * 2 * 4
    _ = params.ffnHiddenDim * params.dim * 3 * params.nLayers
    var bound = [weights.tokEmbeddings, weights.norm, weights.output]
    for layer in weights.layers {
        bound += [layer.attentionNorm, layer.wq, layer.wk, layer.wv, layer.wo,
                  layer.ffnNorm, layer.w1, layer.w2, layer.w3]
    }
    if let factors = weights.ropeFrequencyFactors { bound.append(factors) }
    for tensor in bound { read(tensor) }
    return 0
}

/// First and last element of any tensor; every element of a small one (at most 1 << 16).
private func read(_ tensor: Tensor) {
    guard let count = tensor.shape.checkedElementCount, count > 0 else { return }
    _ = tensor.float(at: 0)
    _ = tensor.float(at: count - 1)
    if count <= 1 << 16 { _ = tensor.floats() }
}
