// Helpers of the LlamaLoader tests: expected values written by the fixture script, the
// error a throwing call produced, scratch folders.

import Foundation
import LlamaLoader
import LlamaTensor
import TestSupport

/// What Scripts/make_loader_fixtures.py wrote beside a checkpoint: every tensor's dtype,
/// shape and values as float32 bit patterns (exact, NaN and -0.0 included).
struct ExpectedTensors: Decodable {
    struct Entry: Decodable {
        let dtype: String
        let shape: [Int]
        let bits: [UInt32]
    }

    let order: [String]
    let tensors: [String: Entry]

    init(_ relativePath: String) throws {
        let data = try Data(contentsOf: Fixtures.url(relativePath))
        self = try JSONDecoder().decode(Self.self, from: data)
    }
}

/// The bit patterns of a tensor's elements widened to Float (exact for bf16 and f16).
func floatBits(_ tensor: Tensor) -> [UInt32] {
    tensor.floats().map(\.bitPattern)
}

/// The `LoaderError` that `body` throws, or `nil` when it throws nothing (or another error).
func loaderError<T>(_ body: () throws -> T) -> LoaderError? {
    do {
        _ = try body()
        return nil
    } catch let error as LoaderError {
        return error
    } catch {
        return nil
    }
}

/// Runs `body` with a fresh, empty scratch folder, removed afterwards.
func withScratchFolder<T>(_ body: (URL) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("llama-loader-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url)
}

/// Writes `bytes` to `name` in `folder` and returns its URL.
@discardableResult
func write(_ bytes: [UInt8], to name: String, in folder: URL) throws -> URL {
    let url = folder.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url
}

/// Writes `text` to `name` in `folder` and returns its URL.
@discardableResult
func write(_ text: String, to name: String, in folder: URL) throws -> URL {
    try write(Array(text.utf8), to: name, in: folder)
}

/// The bytes of a fixture.
func fixtureBytes(_ relativePath: String) throws -> [UInt8] {
    Array(try Data(contentsOf: Fixtures.url(relativePath)))
}
