// Fuzz target: params.json. Decoding and validation must throw or accept; every size derived
// from accepted parameters must be computable without overflow.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzParams(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let params = try? JSONDecoder().decode(ModelParams.self, from: Data(bytes: data, count: size)),
          (try? params.validate()) != nil else { return 0 }
    _ = params.headDim * params.nKVHeads * params.nLayers * 2 * 4
    _ = params.ffnHiddenDim * params.dim * 3 * params.nLayers
    _ = params.vocabSize * params.dim
    return 0
}
