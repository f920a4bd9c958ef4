// Fuzz target: the unpickler on arbitrary bytes. It must return a value or throw a
// LoaderError (never run anything, never trap).
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPickle(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    _ = try? Unpickler.withValue(unpickling: bytes, fileName: "fuzz.pkl") { $0.kindDescription }
    return 0
}
