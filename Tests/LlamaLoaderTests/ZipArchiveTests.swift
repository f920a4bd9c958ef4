// The zip layer: torch's archives (and zip64 ones) read in place; damaged files refused.

import Foundation
import LlamaLoader
import Testing
import TestSupport

@Suite struct ZipArchiveTests {
    @Test func readsTheEntriesTorchSaveWrites() throws {
        let archive = try ZipArchive(file: MappedFile(url: Fixtures.url("loader/dtypes.pth")))
        let names = archive.entries.map(\.name)
        #expect(names.contains("dtypes/data.pkl"))
        #expect(names.contains("dtypes/byteorder"))
        #expect(names.contains("dtypes/data/0"))
        #expect(archive.entries.allSatisfy { $0.isStored })
        let byteorder = try #require(archive.entry(named: "dtypes/byteorder"))
        let order = Array(try archive.bytes(of: byteorder))
        #expect(order == Array("little".utf8))
        // torch aligns each storage to 64 bytes so that it can be used in place.
        let storage = try #require(archive.entry(named: "dtypes/data/0"))
        #expect(storage.dataRange.lowerBound % 64 == 0)
    }

    @Test func readsZip64ArchivesLikeTheOnesOver4GiB() throws {
        let plain = try ZipArchive(file: MappedFile(url: Fixtures.url("loader/dtypes.pth")))
        let zip64 = try ZipArchive(file: MappedFile(url: Fixtures.url("loader/zip64.pth")))
        #expect(zip64.entries.map(\.name) == plain.entries.map { $0.name.replacingOccurrences(of: "dtypes/", with: "zip64/") })
        for entry in plain.entries {
            let other = try #require(zip64.entry(named: entry.name.replacingOccurrences(of: "dtypes/", with: "zip64/")))
            let repacked = Array(try zip64.checkedBytes(of: other)), original = Array(try plain.checkedBytes(of: entry))
            #expect(repacked == original)
        }
    }

    @Test func refusesAnEmptyFile() {
        let error = loaderError { try ZipArchive(file: MappedFile(url: Fixtures.url("loader/empty.pth"))) }
        #expect(error == .invalidArchive(file: "empty.pth", reason: "the file is empty"))
    }

    @Test func refusesRandomBytes() {
        let error = loaderError { try ZipArchive(file: MappedFile(url: Fixtures.url("loader/random.pth"))) }
        guard case .invalidArchive(file: "random.pth", let reason) = error else {
            Issue.record("expected invalidArchive, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("end-of-central-directory"))
    }

    @Test func refusesATruncatedFile() {
        let error = loaderError { try ZipArchive(file: MappedFile(url: Fixtures.url("loader/truncated.pth"))) }
        guard case .invalidArchive(file: "truncated.pth", _) = error else {
            Issue.record("expected invalidArchive, got \(String(describing: error))")
            return
        }
        #expect(error?.description.contains("truncated") == true)
    }

    @Test func explainsTheLegacyTorchSaveFormat() {
        let error = loaderError { try ZipArchive(file: MappedFile(url: Fixtures.url("loader/legacy.pth"))) }
        guard case .invalidArchive(file: "legacy.pth", let reason) = error else {
            Issue.record("expected invalidArchive, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("legacy torch.save format"))
    }

    @Test func refusesCompressedEntriesItCannotUseInPlace() throws {
        let archive = try ZipArchive(file: MappedFile(url: Fixtures.url("loader/compressed.pth")))
        let entry = try #require(archive.entry(named: "compressed/data.pkl"))
        #expect(!entry.isStored)
        let error = loaderError { try TorchCheckpoint(url: Fixtures.url("loader/compressed.pth")) }
        #expect(error == .unsupportedEntry(
            file: "compressed.pth", entry: "compressed/byteorder",
            reason: "expected a stored (uncompressed) entry, found compression method 8"))
    }

    @Test func detectsACorruptedPickleByItsChecksum() throws {
        var bytes = try fixtureBytes("loader/dtypes.pth")
        let archive = try ZipArchive(file: MappedFile(url: Fixtures.url("loader/dtypes.pth")))
        let pickle = try #require(archive.entry(named: "dtypes/data.pkl"))
        bytes[pickle.dataRange.lowerBound + 10] ^= 0x01
        let error = try withScratchFolder { folder in
            let url = try write(bytes, to: "flipped.pth", in: folder)
            return loaderError { try TorchCheckpoint(url: url) }
        }
        guard case .invalidArchive(file: "flipped.pth", let reason) = error else {
            Issue.record("expected invalidArchive, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("entry dtypes/data.pkl: expected CRC-32"))
    }

    @Test func refusesAMissingFileAndAFolder() throws {
        let missing = loaderError { try MappedFile(url: Fixtures.url("loader/no-such-file.pth")) }
        guard case .cannotOpen(file: "no-such-file.pth", let reason) = missing else {
            Issue.record("expected cannotOpen, got \(String(describing: missing))")
            return
        }
        #expect(reason.contains("No such file"))
        let folder = loaderError { try MappedFile(url: Fixtures.url("loader/tiny-llama")) }
        guard case .cannotOpen(file: "tiny-llama", let folderReason) = folder else {
            Issue.record("expected cannotOpen, got \(String(describing: folder))")
            return
        }
        #expect(folderReason.contains("not a regular file"))
    }

    /// Every way to cut a checkpoint short must be an error, never a crash or a misread:
    /// each cut moves the end records, so every length and offset check gets exercised.
    @Test func everyTruncationIsAnErrorNotACrash() throws {
        let bytes = try fixtureBytes("loader/dtypes.pth")
        try withScratchFolder { folder in
            for length in 0..<bytes.count {
                let url = try write(Array(bytes[..<length]), to: "cut.pth", in: folder)
                #expect(throws: LoaderError.self, "cut at \(length)") { try TorchCheckpoint(url: url) }
            }
        }
    }

    /// Random byte flips anywhere (header fields, lengths, the pickle, the data) must either
    /// open or throw a LoaderError; the process must never trap.
    @Test func randomCorruptionNeverCrashes() throws {
        let original = try fixtureBytes("loader/shared-storage.pth")
        var generator = SplitMix64(seed: 42)
        try withScratchFolder { folder in
            for _ in 0..<1500 {
                var bytes = original
                for _ in 0..<Int(generator.next() % 4 + 1) {
                    let index = Int(generator.next() % UInt64(bytes.count))
                    bytes[index] = UInt8(truncatingIfNeeded: generator.next())
                }
                let url = try write(bytes, to: "flipped.pth", in: folder)
                do {
                    _ = try TorchCheckpoint(url: url)
                } catch is LoaderError {
                    // expected for most flips
                }
            }
        }
    }
}
