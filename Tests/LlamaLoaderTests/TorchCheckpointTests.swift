// Checkpoints written by real torch.save read back element for element, zero-copy; every
// tensor torch could describe but we must not misread is refused by name.

import Foundation
import LlamaLoader
import LlamaTensor
import Testing
import TestSupport

@Suite struct TorchCheckpointTests {
    /// Compares every tensor of `checkpoint` with what the fixture script recorded.
    private func expectMatches(_ checkpoint: TorchCheckpoint, _ expected: ExpectedTensors) throws {
        #expect(checkpoint.tensorNames == expected.order)
        for name in expected.order {
            let tensor = try #require(checkpoint.tensor(named: name), "\(name) is missing")
            let entry = try #require(expected.tensors[name])
            #expect(tensor.dtype.description == entry.dtype, "\(name)")
            #expect(tensor.shape == Shape(entry.shape), "\(name)")
            #expect(floatBits(tensor) == entry.bits, "\(name): values differ from what torch wrote")
        }
    }

    @Test(arguments: ["dtypes", "zip64", "shared-storage", "parameter"])
    func readsWhatTorchWroteElementForElement(fixture: String) throws {
        let checkpoint = try TorchCheckpoint(url: Fixtures.url("loader/\(fixture).pth"))
        try expectMatches(checkpoint, ExpectedTensors("loader/\(fixture).json"))
        #expect(checkpoint.folderName == fixture)
    }

    @Test func viewsTheMappingWithoutCopying() throws {
        let checkpoint = try TorchCheckpoint(url: Fixtures.url("loader/dtypes.pth"))
        let tensor = try #require(checkpoint.tensor(named: "weight.bf16"))
        let mapping = checkpoint.file.bytes
        #expect(!tensor.storage.isOwned)
        #expect(tensor.storage.owner === checkpoint.file)
        #expect(tensor.baseAddress >= mapping.baseAddress! && tensor.baseAddress + tensor.byteCount <= mapping.baseAddress! + mapping.count)
    }

    @Test func tensorsSharingAStorageShareItsBytes() throws {
        let checkpoint = try TorchCheckpoint(url: Fixtures.url("loader/shared-storage.pth"))
        let records = checkpoint.tensorNames.compactMap { checkpoint.records[$0] }
        #expect(Set(records.map(\.storageKey)).count == 1)
        #expect(records.map(\.storageOffset) == [0, 6, 4, 0])
        #expect(records.map(\.strides) == [[3, 1], [2, 1], [1], [1]])
        let first = try #require(checkpoint.tensor(named: "first"))
        let overlap = try #require(checkpoint.tensor(named: "overlap"))
        let whole = try #require(checkpoint.tensor(named: "whole"))
        #expect(first.storage === whole.storage)
        #expect(overlap.baseAddress == whole.baseAddress + 4 * 2)
    }

    /// The mapping must outlive the checkpoint value for as long as a tensor views it.
    @Test func tensorsKeepTheMappingAlive() throws {
        var tensor: Tensor?
        do {
            let checkpoint = try TorchCheckpoint(url: Fixtures.url("loader/dtypes.pth"))
            tensor = checkpoint.tensor(named: "cube")
        }
        let cube = try #require(tensor)
        #expect(cube.floats() == (0..<24).map(Float.init))
    }

    @Test func handlesScalarsAndEmptyTensors() throws {
        let checkpoint = try TorchCheckpoint(url: Fixtures.url("loader/dtypes.pth"))
        #expect(checkpoint.tensor(named: "scalar")?.shape == Shape([]))
        #expect(checkpoint.tensor(named: "scalar")?.floats() == [3.5])
        #expect(checkpoint.tensor(named: "empty")?.shape == Shape([0, 4]))
        #expect(checkpoint.tensor(named: "missing") == nil)
    }

    // MARK: Refused

    @Test func refusesNonContiguousTensors() {
        let error = loaderError { try TorchCheckpoint(url: Fixtures.url("loader/non-contiguous.pth")) }
        #expect(error == .invalidTensor(
            file: "non-contiguous.pth", tensor: "transposed",
            reason: "strides [1, 3] for shape [3, 2] are not row-major contiguous (expected [2, 1]); save it after .contiguous()"))
    }

    @Test func refusesElementTypesWeDoNotRead() {
        let error = loaderError { try TorchCheckpoint(url: Fixtures.url("loader/int64.pth")) }
        #expect(error == .invalidTensor(file: "int64.pth", tensor: "ids", reason: "expected element type bf16, f16 or f32, found torch.LongStorage"))
    }

    @Test func refusesBigEndianData() {
        let error = loaderError { try TorchCheckpoint(url: Fixtures.url("loader/big-endian.pth")) }
        #expect(error == .unsupportedByteOrder(file: "big-endian.pth", found: "big"))
        #expect(error?.description == "big-endian.pth: expected byte order little, found big")
    }

    @Test func refusesAPickleThatIsNotAStateDict() {
        let error = loaderError { try TorchCheckpoint(url: Fixtures.url("loader/not-a-dict.pth")) }
        #expect(error == .notAStateDict(file: "not-a-dict.pth", found: "a list"))
    }

    @Test(arguments: ["empty", "random", "truncated", "legacy"])
    func refusesFilesThatAreNotCheckpoints(fixture: String) {
        let error = loaderError { try TorchCheckpoint(url: Fixtures.url("loader/\(fixture).pth")) }
        guard case .invalidArchive(let file, _) = error else {
            Issue.record("expected invalidArchive, got \(String(describing: error))")
            return
        }
        #expect(file == "\(fixture).pth")
    }

    @Test func refusesAMissingFile() {
        let error = loaderError { try TorchCheckpoint(url: Fixtures.url("loader/nothing-here.pth")) }
        #expect(error?.description.hasPrefix("nothing-here.pth: cannot open: No such file or directory") == true)
    }
}
