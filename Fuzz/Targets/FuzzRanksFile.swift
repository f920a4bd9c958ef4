// Fuzz target: tokenizer.model contents. Must load or throw a TokenizerError; a loaded
// tokenizer must encode and decode its own first lines without trapping.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRanksFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let tokenizer = try? Tokenizer(ranksFileContents: Data(bytes: data, count: size)) else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: min(size, 256)), as: UTF8.self)
    let ids = tokenizer.encode(text, bos: true, eos: true)
    _ = try? tokenizer.decode(ids)
    return 0
}
