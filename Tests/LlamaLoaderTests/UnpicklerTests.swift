// The pickle machine: what torch writes is rebuilt, anything that would run code is
// refused by name, and hostile shapes (deep, cyclic, truncated) end in errors.

import Foundation
import LlamaLoader
import Testing
import TestSupport

@Suite struct UnpicklerTests {
    /// Runs `bytes` through the machine and returns a summary of the result, or the error.
    private func unpickle(_ bytes: [UInt8]) throws -> String {
        try bytes.withUnsafeBytes { buffer in
            try Unpickler.withValue(unpickling: buffer, fileName: "test.pkl") { describe($0) }
        }
    }

    private func describe(_ value: PickleValue) -> String {
        switch value {
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return "\(i)"
        case .float(let f): return "\(f)"
        case .string(let s): return s.debugDescription
        case .bytes(let b): return "b\(b)"
        case .tuple(let t): return "(" + t.items.map(describe).joined(separator: ", ") + ")"
        case .list(let l): return "[" + l.items.map(describe).joined(separator: ", ") + "]"
        case .dict(let d): return "{" + d.pairs.map { describe($0) + ": " + describe($1) }.joined(separator: ", ") + "}"
        case .global(let g): return g.qualifiedName
        case .storage(let s): return "storage(\(s.key))"
        case .tensor(let t): return "tensor(\(t.storage.key), \(t.storageOffset), \(t.size), \(t.stride))"
        }
    }

    // MARK: What real files use

    @Test func rebuildsPlainValues() throws {
        // A tuple of None, True, every integer width (BININT, BININT2, BININT1, LONG1 with
        // 6 bytes and with 9 sign-extended bytes), a BINFLOAT, a string and bytes.
        var program: [UInt8] = [0x80, 0x02, 0x28, 0x4E, 0x88]
        program += [0x4A] + withUnsafeBytes(of: Int32(-3).littleEndian, Array.init)
        program += [0x4D, 0x2C, 0x01]  // BININT2 300
        program += [0x4B, 0x07]  // BININT1 7
        program += [0x8A, 0x06, 0, 0, 0, 0, 0, 0x01]  // LONG1 2**40
        program += [0x8A, 0x09, 0, 0, 0, 0, 0, 0, 0, 0xF0, 0xFF]  // LONG1 -2**60 in 9 bytes
        program += [0x47, 0x3F, 0xF8, 0, 0, 0, 0, 0, 0]  // BINFLOAT 1.5 (big-endian)
        program += [0x58, 0x02, 0, 0, 0, 0xC3, 0xA9]  // BINUNICODE "é"
        program += [0x43, 0x01, 0x01]  // SHORT_BINBYTES b"\x01"
        program += [0x74, 0x2E]  // TUPLE STOP
        #expect(try unpickle(program) == #"(None, True, -3, 300, 7, 1099511627776, -1152921504606846976, 1.5, "é", b[1])"#)
    }

    @Test func memoReferencesSeeLaterMutations() throws {
        // d = {}; memo[0] = d; d['a'] = 1; then the tuple (d, memo[0]): both filled, as in
        // Python, because the memo holds the same dict.
        let program: [UInt8] = [0x80, 0x02, 0x7D, 0x71, 0x00, 0x58, 0x01, 0, 0, 0, 0x61, 0x4B, 0x01, 0x73,
                                0x68, 0x00, 0x86, 0x2E]
        #expect(try unpickle(program) == #"({"a": 1}, {"a": 1})"#)
    }

    @Test func readsTheTorchStateDictPickle() throws {
        let archive = try ZipArchive(file: MappedFile(url: Fixtures.url("loader/shared-storage.pth")))
        let entry = try #require(archive.entry(named: "shared-storage/data.pkl"))
        let summary = try Unpickler.withValue(unpickling: try archive.checkedBytes(of: entry), fileName: "x") { describe($0) }
        #expect(summary == #"{"first": tensor(0, 0, [2, 3], [3, 1]), "second": tensor(0, 6, [4, 2], [2, 1]), "overlap": tensor(0, 4, [4], [1]), "whole": tensor(0, 0, [16], [1])}"#)
    }

    // MARK: Refusing to run code

    @Test func refusesOSSystemInABarePickle() throws {
        let bytes = try fixtureBytes("loader/os-system.pkl")
        #expect(throws: LoaderError.forbiddenGlobal(file: "test.pkl", name: "os.system")) { try unpickle(bytes) }
    }

    @Test func refusesOSSystemInACheckpoint() {
        let error = loaderError { try TorchCheckpoint(url: Fixtures.url("loader/os-system.pth")) }
        #expect(error == .forbiddenGlobal(file: "os-system.pth", name: "os.system"))
        #expect(error?.description == "os-system.pth: the pickle asks for global os.system, which is not on the allow-list (nothing was run)")
    }

    /// What `pickle.dumps` writes for an object whose `__reduce__` returns `os.system`:
    /// Python names the function by its defining module, `posix` on Linux.
    @Test func refusesAReduceExploitWrittenByPython() {
        let error = loaderError { try TorchCheckpoint(url: Fixtures.url("loader/reduce-system.pth")) }
        #expect(error == .forbiddenGlobal(file: "reduce-system.pth", name: "posix.system"))
    }

    @Test func refusesForbiddenGlobalsNamedOnTheStack() {
        // Protocol 4's STACK_GLOBAL: the module and name are strings pushed before it.
        let program: [UInt8] = [0x80, 0x04, 0x8C, 0x02] + Array("os".utf8) + [0x8C, 0x06] + Array("system".utf8) + [0x93, 0x2E]
        #expect(throws: LoaderError.forbiddenGlobal(file: "test.pkl", name: "os.system")) { try unpickle(program) }
    }

    @Test func refusesToCallAllowedClassesInWaysTorchNeverDoes() {
        // torch.FloatStorage() called with REDUCE: allowed as a name, not as a call.
        let program: [UInt8] = [0x80, 0x02, 0x63] + Array("torch\nFloatStorage\n".utf8) + [0x29, 0x52, 0x2E]
        let error = loaderError { try unpickle(program) }
        #expect(error == .invalidPickle(file: "test.pkl", offset: 23, reason: "torch.FloatStorage may name a storage type but not be called"))
    }

    // MARK: Damaged and hostile pickles

    @Test func refusesAnUnknownOpcode() {
        let error = loaderError { try TorchCheckpoint(url: Fixtures.url("loader/corrupt-pickle.pth")) }
        #expect(error == .invalidPickle(file: "corrupt-pickle.pth", offset: 2, reason: "unknown opcode 0xFF"))
    }

    @Test func refusesAPickleCutBeforeItsStop() {
        let error = loaderError { try TorchCheckpoint(url: Fixtures.url("loader/truncated-pickle.pth")) }
        guard case .invalidPickle(file: "truncated-pickle.pth", _, let reason) = error else {
            Issue.record("expected invalidPickle, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("truncated") || reason.contains("end"))
    }

    @Test func refusesStackUnderflowAndUnclosedMarks() {
        #expect(loaderError { try unpickle([0x80, 0x02, 0x52, 0x2E]) } == .invalidPickle(file: "test.pkl", offset: 2, reason: "stack underflow"))
        #expect(loaderError { try unpickle([0x28, 0x4E, 0x2E]) } == .invalidPickle(file: "test.pkl", offset: 2, reason: "STOP with an unclosed MARK"))
        // Popping below a MARK is an underflow too (Python keeps a separate stack per MARK).
        #expect(loaderError { try unpickle([0x4E, 0x28, 0x30, 0x2E]) } == .invalidPickle(file: "test.pkl", offset: 2, reason: "stack underflow"))
        #expect(loaderError { try unpickle([0x68, 0x05]) } == .invalidPickle(file: "test.pkl", offset: 0, reason: "memo entry 5 read before it was written"))
    }

    @Test func refusesLengthsPastTheEnd() {
        // BINUNICODE claiming 4 GiB: checked against what is left before any allocation.
        let error = loaderError { try unpickle([0x58, 0xFF, 0xFF, 0xFF, 0xFF, 0x41]) }
        #expect(error == .invalidPickle(file: "test.pkl", offset: 0, reason: "a length of 4294967295 bytes runs past the end of the pickle (1 bytes left)"))
    }

    @Test func refusesOpcodesTorchNeverWrites() {
        let error = loaderError { try unpickle([0x69] + Array("os\nsystem\n".utf8)) }
        #expect(error == .invalidPickle(file: "test.pkl", offset: 0, reason: "opcode inst (0x69) is not used by torch.save and is not supported"))
    }

    /// A million nested lists, and a list containing itself, are freed without recursion.
    @Test func freesDeepAndCyclicStructuresWithoutRecursion() throws {
        let depth = 1_000_000
        let deep = [UInt8](repeating: 0x5D, count: depth) + [UInt8](repeating: 0x61, count: depth - 1) + [0x2E]
        let summary = try deep.withUnsafeBytes { buffer in
            try Unpickler.withValue(unpickling: buffer, fileName: "deep.pkl") { value -> String in
                guard case .list(let outer) = value else { return "not a list" }
                return "\(outer.items.count)"
            }
        }
        #expect(summary == "1")
        // l = []; l.append(l)
        let cyclic: [UInt8] = [0x5D, 0x71, 0x00, 0x68, 0x00, 0x61, 0x2E]
        let count = try cyclic.withUnsafeBytes { buffer in
            try Unpickler.withValue(unpickling: buffer, fileName: "cyclic.pkl") { value -> Int in
                guard case .list(let list) = value else { return -1 }
                return list.items.count
            }
        }
        #expect(count == 1)
    }

    /// Random damage inside a real data.pkl (past its checksum) ends in an error or a value,
    /// never a trap.
    @Test func randomPickleCorruptionNeverCrashes() throws {
        let archive = try ZipArchive(file: MappedFile(url: Fixtures.url("loader/dtypes.pth")))
        let entry = try #require(archive.entry(named: "dtypes/data.pkl"))
        let original = Array(try archive.checkedBytes(of: entry))
        var generator = SplitMix64(seed: 7)
        for _ in 0..<5000 {
            var bytes = original
            for _ in 0..<Int(generator.next() % 3 + 1) {
                bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
            }
            _ = try? unpickle(bytes)
            if generator.next() % 2 == 0 {
                _ = try? unpickle(Array(bytes[..<Int(generator.next() % UInt64(bytes.count))]))
            }
        }
    }
}
