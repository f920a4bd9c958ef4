// AtomicFileWriter on its own: the old file survives anything short of commit(), nothing is
// left behind, and the target checks hold for library callers too.

import Foundation
import LlamaLoader
import Testing
import TestSupport

@Suite("AtomicFileWriter")
struct AtomicFileWriterTests {
    /// Until commit() the old bytes stay; a writer dropped without commit() removes its
    /// temporary file; after commit() the new bytes are there, with the old permissions.
    @Test func oldFileStaysUntilCommit() throws {
        let folder = try Fixtures.temporaryFolder("atomic")
        let target = folder.appendingPathComponent("out.bin")
        try Data("old".utf8).write(to: target)
        #expect(chmod(target.path, 0o640) == 0)
        do {
            let writer = try AtomicFileWriter(replacing: target)
            try writer.write(Data("new, but never committed".utf8))
            #expect(try Data(contentsOf: target) == Data("old".utf8))
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).count == 2)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["out.bin"])
        #expect(try Data(contentsOf: target) == Data("old".utf8))

        let writer = try AtomicFileWriter(replacing: target)
        try writer.write(Data("new".utf8))
        try writer.commit()
        #expect(try Data(contentsOf: target) == Data("new".utf8))
        let mode = try FileManager.default.attributesOfItem(atPath: target.path)[.posixPermissions] as? Int
        #expect(mode == 0o640)
        #expect(throws: LoaderError.self) { try writer.write(Data("late".utf8)) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["out.bin"])
    }

    /// An input reached through a hard link or a symbolic link is refused before anything
    /// is created, and so is a target that is not a regular file or whose folder is missing.
    @Test func refusesInputsAndNonRegularTargets() throws {
        let folder = try Fixtures.temporaryFolder("atomic-refuse")
        let input = folder.appendingPathComponent("params.json")
        try Data("{}".utf8).write(to: input)
        let hard = folder.appendingPathComponent("hard")
        try FileManager.default.linkItem(at: input, to: hard)
        let soft = folder.appendingPathComponent("soft")
        try FileManager.default.createSymbolicLink(at: soft, withDestinationURL: input)
        for path in [input, hard, soft] {
            #expect {
                try AtomicFileWriter.write(Data("x".utf8), to: path, protecting: [input])
            } throws: { error in
                guard case let .unsafeOutput(_, reason) = error as? LoaderError else { return false }
                return reason.contains(input.path) && reason.contains("an input of this run")
            }
        }
        #expect(try Data(contentsOf: input) == Data("{}".utf8))
        #expect {
            try AtomicFileWriter.write(Data("x".utf8), to: folder, protecting: [])
        } throws: { error in
            (error as? LoaderError)?.description.contains("it exists and is a folder, not a regular file") == true
        }
        #expect {
            try AtomicFileWriter.write(Data("x".utf8), to: folder.appendingPathComponent("no/such/out.bin"))
        } throws: { error in
            guard case .cannotWrite = error as? LoaderError else { return false }
            return true
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["hard", "params.json", "soft"])
    }
}
