// Hostile sizes in the loader's readers end in a clear error, quickly and in little
// memory: pickles that only multiply values, GGUF metadata arrays of tens of megabytes,
// and strings of megabytes quoted in messages.

import Foundation
import Testing
import TestSupport
@testable import LlamaLoader

@Suite struct HostileSizeTests {
    // MARK: Pickle

    /// Runs a pickle and returns its error, with how long the machine took.
    private func unpickleError(_ program: [UInt8]) -> (LoaderError?, Duration) {
        let clock = ContinuousClock()
        var error: LoaderError?
        let elapsed = clock.measure {
            error = loaderError {
                try program.withUnsafeBytes { buffer in
                    try Unpickler.withValue(unpickling: buffer, fileName: "hostile.pkl") { $0.kindDescription }
                }
            }
        }
        return (error, elapsed)
    }

    /// The reason of an `invalidPickle` error, or a description of what came instead.
    private func pickleReason(_ error: LoaderError?) -> String {
        guard case .invalidPickle(file: "hostile.pkl", _, let reason) = error else {
            return "not invalidPickle: \(String(describing: error))"
        }
        return reason
    }

    /// Two million MEMOIZE after one value: each would add a memo entry (a 20 MB pickle of
    /// them took 4 GB), so the machine stops at its value limit instead.
    @Test func aPickleOfMillionsOfMemoizesIsRefusedAtTheLimit() {
        let program: [UInt8] = [0x80, 0x04, 0x4E] + [UInt8](repeating: 0x94, count: 2_000_000) + [0x2E]
        let (error, elapsed) = unpickleError(program)
        #expect(pickleReason(error).hasPrefix("more than \(Unpickler.valueLimit) values"), "\(String(describing: error))")
        #expect(elapsed < .seconds(5), "took \(elapsed)")
    }

    /// Two million DUP: each would push one more stack slot.
    @Test func aPickleOfMillionsOfDupsIsRefusedAtTheLimit() {
        let program: [UInt8] = [0x80, 0x04, 0x4E] + [UInt8](repeating: 0x32, count: 2_000_000) + [0x2E]
        let (error, elapsed) = unpickleError(program)
        #expect(pickleReason(error).hasPrefix("more than \(Unpickler.valueLimit) values"), "\(String(describing: error))")
        #expect(elapsed < .seconds(5), "took \(elapsed)")
    }

    /// The limit bounds memory only while a value is small: tensors and storages are boxed.
    @Test func aPickleValueTakesTwentyFourBytes() {
        #expect(MemoryLayout<PickleValue>.stride <= 24)
        #expect(MemoryLayout<PickleValue?>.stride <= 24)
    }

    /// MARKs and memo indices count against the same limit: a memo index past it would
    /// size the memo, and each MARK is remembered.
    @Test func marksAndFarMemoIndicesAreRefused() {
        let marks: [UInt8] = [UInt8](repeating: 0x28, count: 2_000_000) + [0x2E]
        #expect(pickleReason(unpickleError(marks).0).hasPrefix("more than \(Unpickler.valueLimit) values"))
        let farPut: [UInt8] = [0x4E, 0x72, 0xFF, 0xFF, 0xFF, 0xFF, 0x2E]  // None, LONG_BINPUT 2**32 - 1
        #expect(pickleReason(unpickleError(farPut).0) == "memo index 4294967295 is past the limit of \(Unpickler.valueLimit) values")
        let lastPut: [UInt8] = [0x4E, 0x72, 0xFF, 0xFF, 0x0F, 0x00, 0x2E]  // LONG_BINPUT 2**20 - 1: allowed
        #expect(unpickleError(lastPut).0 == nil)
    }

    /// A megabyte of text where a float belongs is quoted by its first characters.
    @Test func aHugePickleArgumentIsQuotedShort() {
        let program: [UInt8] = [0x46] + [UInt8](repeating: UInt8(ascii: "x"), count: 1_000_000) + [0x0A, 0x2E]
        let error = unpickleError(program).0
        #expect(pickleReason(error).hasPrefix("expected a float, found \"xxxx"))
        #expect((error?.description.count ?? .max) < 300, "\(error?.description.prefix(400) ?? "no error")")
        let global: [UInt8] = [0x63] + [UInt8](repeating: UInt8(ascii: "m"), count: 1_000_000) + Array("\nsystem\n".utf8) + [0x2E]
        let forbidden = unpickleError(global).0
        #expect((forbidden?.description.count ?? .max) < 300, "\(forbidden?.description.prefix(400) ?? "no error")")
    }

    // MARK: GGUF

    /// A GGUF file's bytes with the given metadata (`key`, type code, encoded value) and no
    /// tensors.
    private func ggufBytes(_ metadata: [(String, UInt32, Data)]) -> Data {
        var data = Data("GGUF".utf8)
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        put(UInt32(3)); put(UInt64(0)); put(UInt64(metadata.count))
        for (key, type, value) in metadata {
            put(UInt64(key.utf8.count)); data.append(contentsOf: Array(key.utf8))
            put(type)
            data.append(value)
        }
        return data
    }

    /// An array value's encoding: element type, count, then the elements' bytes.
    private func arrayValue(_ elementType: GGUFValueType, count: Int, _ elements: Data) -> Data {
        var data = Data()
        withUnsafeBytes(of: elementType.rawValue.littleEndian) { data.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(count).littleEndian) { data.append(contentsOf: $0) }
        return data + elements
    }

    /// A 50 MB uint8 array (valid, if odd) is a view of the mapped file: opening costs no
    /// memory per element, where one `GGUFValue` each took 2.8 GB.
    @Test func aLargeNumericArrayIsReadInPlace() throws {
        let count = 50_000_000
        var elements = Data(count: count)
        for (index, value) in [(0, 7), (1, 255), (count / 2, 42), (count - 1, 9)] { elements[index] = UInt8(value) }
        let url = try Fixtures.temporaryFolder("gguf").appendingPathComponent("large-array.gguf")
        defer { try? FileManager.default.removeItem(at: url) }
        try ggufBytes([("general.architecture", 8, Data([5, 0, 0, 0, 0, 0, 0, 0]) + Data("llama".utf8)),
                       ("hostile.bytes", 9, arrayValue(.uint8, count: count, elements))]).write(to: url)
        let clock = ContinuousClock()
        let start = clock.now
        let file = try GGUFFile(url: url)
        #expect(clock.now - start < .seconds(1), "opening took \(clock.now - start)")
        let value = try #require(file.metadata["hostile.bytes"])
        let array = try #require(value.numericArray, "expected a view, found \(value.summary)")
        #expect(array.count == count && array.elementType == .uint8)
        #expect(array.bytes.count == count, "the view is the file's bytes")
        #expect([0, 1, 2, count / 2, count - 1].map { array[$0].int } == [7, 255, 0, 42, 9])
        #expect(value.summary == "[50000000 × uint8]")
    }

    /// Numeric and bool arrays read from a file equal the arrays they were written from,
    /// decode every element, and write back byte for byte.
    @Test func numericArraysRoundTripThroughTheWriter() throws {
        let folder = try Fixtures.temporaryFolder("gguf")
        let written: [(String, GGUFValue)] = [
            ("a.i32", .array(.int32, [.signed(-3, .int32), .signed(Int64(Int32.max), .int32)])),
            ("a.u16", .array(.uint16, [.unsigned(65535, .uint16)])),
            ("a.f32", .array(.float32, [.float(0.25, .float32), .float(-1.5, .float32)])),
            ("a.f64", .array(.float64, [.float(1e300, .float64)])),
            ("a.bool", .array(.bool, [.bool(true), .bool(false)])),
            ("a.i64", .array(.int64, [])),
        ]
        let writer = GGUFWriter()
        for (key, value) in written { writer.add(key, value) }
        try writer.write(to: folder.appendingPathComponent("first.gguf"))
        let first = try GGUFFile(url: folder.appendingPathComponent("first.gguf"))
        for (key, value) in written {
            let read = try #require(first.metadata[key])
            #expect(read.numericArray != nil, "\(key) is read in place")
            #expect(read == value, "\(key)")
            #expect(read.array == value.array, "\(key) elements")
        }
        let again = GGUFWriter()
        for key in first.metadataKeys { again.add(key, first.metadata[key]!) }
        try again.write(to: folder.appendingPathComponent("second.gguf"))
        #expect(try Data(contentsOf: folder.appendingPathComponent("second.gguf"))
                == Data(contentsOf: folder.appendingPathComponent("first.gguf")))
    }

    @Test func aBoolArrayHoldsOnlyZeroAndOne() throws {
        let url = try Fixtures.temporaryFolder("gguf").appendingPathComponent("bools.gguf")
        try ggufBytes([("a.bools", 9, arrayValue(.bool, count: 3, Data([1, 0, 2])))]).write(to: url)
        #expect(throws: LoaderError.invalidGGUF(file: "bools.gguf", reason: "metadata a.bools: expected bools (0 or 1), found 2")) {
            try GGUFFile(url: url)
        }
    }

    // MARK: Messages

    /// A 10 MB `general.architecture` is named by its key and its first characters.
    @Test func aHugeArchitectureMakesAShortError() throws {
        let url = try Fixtures.temporaryFolder("gguf").appendingPathComponent("huge-name.gguf")
        let writer = GGUFWriter()
        writer.add("general.architecture", .string(String(repeating: "x", count: 10_000_000)))
        try writer.write(to: url)
        let error = loaderError { try GGUFLlama.params(of: try GGUFFile(url: url)) }
        let description = error?.description ?? "no error"
        #expect(description.count < 300, "\(description.prefix(400))")
        #expect(description.hasPrefix("huge-name.gguf: not a readable GGUF model: general.architecture: expected llama, found xxxx"))
        #expect(description.hasSuffix("… (10000000 bytes)"))
    }

    /// Keys and tensor names from the file are cut too.
    @Test func hugeKeysAndTensorNamesMakeShortErrors() throws {
        let key = String(repeating: "k", count: 1_000_000)
        let url = try Fixtures.temporaryFolder("gguf").appendingPathComponent("huge-key.gguf")
        let u8: Data = Data([1])
        try ggufBytes([(key, 0, u8), (key, 0, u8)]).write(to: url)
        let twice = loaderError { try GGUFFile(url: url) }?.description ?? "no error"
        #expect(twice.count < 300 && twice.contains("appears twice"), "\(twice.prefix(400))")
        try ggufBytes([(key, 99, u8)]).write(to: url)
        let unknown = loaderError { try GGUFFile(url: url) }?.description ?? "no error"
        #expect(unknown.count < 300 && unknown.contains("unknown value type 99"), "\(unknown.prefix(400))")
    }

    @Test func excerptsKeepShortTextWhole() {
        #expect(LoaderError.excerpt("llama") == "llama")
        let exact = String(repeating: "é", count: LoaderError.excerptLength)
        #expect(LoaderError.excerpt(exact) == exact)
        #expect(LoaderError.excerpt(exact + "x") == exact + "… (\(exact.utf8.count + 1) bytes)")
        // One character of a million combining marks is still cut (by scalars, not characters).
        let combining = "a" + String(repeating: "\u{301}", count: 1_000_000)
        #expect(LoaderError.excerpt(combining).unicodeScalars.count < 100)
    }
}
