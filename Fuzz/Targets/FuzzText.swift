// Fuzz target: encoding arbitrary text and decoding arbitrary ids with the demo model's
// tokenizer. Properties checked, not just "no crash":
//   - decode(encode(text)) == text for any text (special-token look-alikes included);
//   - streaming decode of any id list, token by token, equals the one-shot decode.
import Foundation

private let tokenizer: Tokenizer = {
    let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Models/demo/tokenizer.model")
    guard let tokenizer = try? Tokenizer(contentsOf: url) else { fatalError("cannot load \(url.path)") }
    return tokenizer
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzText(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let text = String(decoding: bytes, as: UTF8.self)
    let ids = tokenizer.encode(text, bos: false)
    guard let back = try? tokenizer.decode(ids), back == text else {
        fatalError("round trip failed for \(Array(text.utf8))")
    }
    // The same bytes read as token ids (two bytes each), some out of range on purpose.
    var raw: [Int32] = []
    var i = 0
    while i + 1 < size {
        raw.append(Int32(UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8) % Int32(tokenizer.vocabularySize + 8))
        i += 2
    }
    if let whole = try? tokenizer.decode(raw) {
        var streaming = StreamingTextDecoder(tokenizer: tokenizer)
        var pieces = ""
        for id in raw {
            guard let piece = try? streaming.append(id) else { fatalError("append failed after decode succeeded") }
            pieces += piece
        }
        pieces += streaming.finish()
        if pieces != whole { fatalError("streaming decode differs for ids \(raw)") }
    }
    return 0
}
