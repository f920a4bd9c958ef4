// Nothing of the user's is lost: every file llama-cli writes is replaced atomically, never
// lands on one of the run's inputs or on something that is not a regular file, and an
// interrupted or racing write leaves one whole file. Readers never block on a FIFO or grow
// without bound, and the terminal's errors are errors.

import Foundation
import LlamaLoader
import LlamaTensor
import Testing
import TestSupport

@Suite("llama-cli never loses a file")
struct FileSafetyCLITests {
    static let demo = Fixtures.repositoryRoot.appendingPathComponent("Models/demo")

    /// A copy of the demo model in its own folder, so a bug can never damage the original.
    static func demoCopy(_ name: String) throws -> URL {
        let folder = try Fixtures.temporaryFolder(name).appendingPathComponent("victim")
        try FileManager.default.copyItem(at: demo, to: folder)
        return folder
    }

    static func bytes(_ url: URL) throws -> Data { try Data(contentsOf: url) }

    /// `--out` through a symbolic link to the model's folder, or a hard link to one of its
    /// files, is the input itself: refused by device and inode, nothing written.
    @Test func outputsThatAreInputsAreRefused() throws {
        let victim = try Self.demoCopy("out-is-input")
        let parent = victim.deletingLastPathComponent()
        let link = parent.appendingPathComponent("vlink")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: victim)
        let hardLink = parent.appendingPathComponent("hard-params.json")
        try FileManager.default.linkItem(at: victim.appendingPathComponent("params.json"), to: hardLink)
        let before = try ["consolidated.00.pth", "params.json", "tokenizer.model"].map {
            try Self.bytes(victim.appendingPathComponent($0))
        }
        for name in ["consolidated.00.pth", "params.json", "tokenizer.model"] {
            let out = link.appendingPathComponent(name).path
            let result = try CLI.run(["quantize", "--model", victim.path, "--out", out])
            expectError(result, mentioning: "refusing to write there")
            #expect(result.stderr.contains(out) && result.stderr.contains(victim.appendingPathComponent(name).path),
                    "names both paths: \(result.stderr)")
        }
        expectError(try CLI.run(["quantize", "--model", victim.path, "--out", hardLink.path]),
                    mentioning: "an input of this run")
        let attention = try CLI.run(["attention", "--model", victim.path, "--prompt", "hi",
                                     "--out", link.appendingPathComponent("consolidated.00.pth").path])
        expectError(attention, mentioning: "an input of this run")
        let after = try ["consolidated.00.pth", "params.json", "tokenizer.model"].map {
            try Self.bytes(victim.appendingPathComponent($0))
        }
        #expect(after == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: victim.path).sorted()
            == FileManager.default.contentsOfDirectory(atPath: Self.demo.path).sorted(), "no temporary file left")
    }

    /// A device, a FIFO or a folder as `--out` is refused; a symbolic link to a regular file
    /// is followed: the file it points to is replaced and the link stays a link.
    @Test func outputsThatAreNotRegularFilesAreRefused() throws {
        let folder = try Fixtures.temporaryFolder("out-kinds")
        let fifo = folder.appendingPathComponent("pipe")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        for (out, kind) in [("/dev/null", "a character device"), (fifo.path, "a FIFO"), (folder.path, "a folder")] {
            expectError(try CLI.run(["quantize", "--model", Self.demo.path, "--out", out], timeout: 60),
                        mentioning: "it exists and is \(kind)")
            expectError(try CLI.run(["attention", "--model", Self.demo.path, "--prompt", "hi", "--out", out], timeout: 60),
                        mentioning: "it exists and is \(kind)")
        }
        let real = folder.appendingPathComponent("real.svg")
        try Data("old".utf8).write(to: real)
        let link = folder.appendingPathComponent("link.svg")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: real)
        let result = try CLI.run(["attention", "--model", Self.demo.path, "--prompt", "hi", "--out", link.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == real.path)
        #expect(try String(contentsOf: real, encoding: .utf8).contains("<svg xmlns"))
    }

    /// Two quantize runs to one `--out` at once: both succeed, and the file is one of the
    /// two whole outputs, byte for byte (never a mix of bf16 and Q8_0).
    @Test func racingWritersLeaveOneWholeFile() throws {
        let folder = try Fixtures.temporaryFolder("race")
        var solo: [Data] = []
        for type in ["q8_0", "bf16"] {
            let out = folder.appendingPathComponent("solo-\(type).gguf")
            let result = try CLI.run(["quantize", "--model", Self.demo.path, "--type", type, "--out", out.path])
            #expect(result.status == 0, "\(result.stderr)")
            solo.append(try Self.bytes(out))
        }
        let shared = folder.appendingPathComponent("shared.gguf")
        for round in 0..<3 {
            let group = DispatchGroup()
            final class Status: @unchecked Sendable { var value: Int32 = -1 }
            let statuses = [Status(), Status()]
            for (status, type) in zip(statuses, ["q8_0", "bf16"]) {
                DispatchQueue.global().async(group: group) {
                    let result = try? CLI.run(["quantize", "--model", Self.demo.path, "--type", type, "--out", shared.path])
                    status.value = result?.status ?? -1
                }
            }
            group.wait()
            #expect(statuses.map(\.value) == [0, 0], "round \(round)")
            let written = try Self.bytes(shared)
            #expect(written == solo[0] || written == solo[1], "round \(round): \(written.count) bytes")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            == ["shared.gguf", "solo-bf16.gguf", "solo-q8_0.gguf"], "no temporary file left")
    }

    /// SIGINT or SIGTERM while quantize writes: the old file's bytes are unchanged and the
    /// temporary file is gone.
    @Test(arguments: [SIGINT, SIGTERM])
    func interruptedWriteKeepsTheOldFile(signal: Int32) throws {
        let folder = try Fixtures.temporaryFolder("interrupt")
        let model = folder.appendingPathComponent("big.gguf")
        try Self.writeLargeModel(to: model)
        let out = folder.appendingPathComponent("out.gguf")
        let old = Data("the user's previous file".utf8)
        try old.write(to: out)
        let session = try CLISession(["quantize", "--model", model.path, "--out", out.path])
        let started = session.wait(timeout: 120) { _ in
            ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).contains { $0.hasSuffix(".partial") }
        }
        #expect(started, "the temporary file appeared")
        kill(session.process.processIdentifier, signal)
        let result = session.finish()
        #expect(result.status == 128 + signal, "\(result.stderr)")
        #expect(!result.crashed)
        #expect(try Self.bytes(out) == old)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["big.gguf", "out.gguf"])
    }

    /// A write that fails part way (here: past a file-size limit, `ulimit -f`) names the
    /// system's reason, leaves the old file as it was and no temporary file behind.
    @Test func failedWriteKeepsTheOldFile() throws {
        let folder = try Fixtures.temporaryFolder("write-fails")
        let out = folder.appendingPathComponent("out.gguf")
        let old = Data("the user's previous file".utf8)
        try old.write(to: out)
        let cli = try Fixtures.llamaCLI().path
        let result = try CLI.run(["-c", "ulimit -f 1024 && exec \"$0\" quantize --model \"$1\" --out \"$2\"",
                                  cli, Self.demo.path, out.path], executable: "/bin/sh")
        expectError(result, mentioning: "cannot write: File too large")
        #expect(try Self.bytes(out) == old)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["out.gguf"])
    }

    /// A GGUF llama model big enough (about 100 MB of bf16 zeros) that quantizing it takes
    /// a while, so a signal lands in the middle of the write.
    static func writeLargeModel(to url: URL) throws {
        let dim = 1024, hidden = 2048, layers = 6, vocab = 16384
        let writer = GGUFWriter()
        writer.add("general.architecture", .string("llama"))
        writer.add("llama.vocab_size", .unsigned(UInt64(vocab), .uint32))
        writer.add("llama.context_length", .unsigned(2048, .uint32))
        writer.add("llama.embedding_length", .unsigned(UInt64(dim), .uint32))
        writer.add("llama.block_count", .unsigned(UInt64(layers), .uint32))
        writer.add("llama.feed_forward_length", .unsigned(UInt64(hidden), .uint32))
        writer.add("llama.attention.head_count", .unsigned(16, .uint32))
        writer.add("llama.attention.head_count_kv", .unsigned(4, .uint32))
        let zeros: GGUFWriter.Producer = { $0.initializeMemory(as: UInt8.self, repeating: 0) }
        writer.addTensor("token_embd.weight", shape: [vocab, dim], dtype: .bf16, produce: zeros)
        writer.addTensor("output_norm.weight", shape: [dim], dtype: .f32, produce: zeros)
        writer.addTensor("output.weight", shape: [vocab, dim], dtype: .bf16, produce: zeros)
        for layer in 0..<layers {
            let b = "blk.\(layer)."
            writer.addTensor(b + "attn_norm.weight", shape: [dim], dtype: .f32, produce: zeros)
            writer.addTensor(b + "ffn_norm.weight", shape: [dim], dtype: .f32, produce: zeros)
            writer.addTensor(b + "attn_q.weight", shape: [dim, dim], dtype: .bf16, produce: zeros)
            writer.addTensor(b + "attn_k.weight", shape: [dim / 4, dim], dtype: .bf16, produce: zeros)
            writer.addTensor(b + "attn_v.weight", shape: [dim / 4, dim], dtype: .bf16, produce: zeros)
            writer.addTensor(b + "attn_output.weight", shape: [dim, dim], dtype: .bf16, produce: zeros)
            writer.addTensor(b + "ffn_gate.weight", shape: [hidden, dim], dtype: .bf16, produce: zeros)
            writer.addTensor(b + "ffn_down.weight", shape: [dim, hidden], dtype: .bf16, produce: zeros)
            writer.addTensor(b + "ffn_up.weight", shape: [hidden, dim], dtype: .bf16, produce: zeros)
        }
        try writer.write(to: url)
    }
}

@Suite("llama-cli readers are bounded")
struct BoundedReadersCLITests {
    /// A FIFO as the model, as params.json, as the checkpoint or as tokenizer.model is
    /// refused at once with one line; nothing waits for a writer that never comes.
    @Test func fifosAreRefusedWithoutWaiting() throws {
        let folder = try Fixtures.temporaryFolder("fifo")
        let fifoModel = folder.appendingPathComponent("model.gguf")
        #expect(mkfifo(fifoModel.path, 0o600) == 0)
        expectError(try CLI.run(["info", "--model", fifoModel.path], timeout: 60), mentioning: "a FIFO (named pipe), not a regular file")
        for name in ["params.json", "consolidated.00.pth", "tokenizer.model"] {
            let model = folder.appendingPathComponent("with-fifo-\(name)")
            try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
            for file in ["params.json", "consolidated.00.pth", "tokenizer.model"] where file != name {
                try FileManager.default.createSymbolicLink(
                    at: model.appendingPathComponent(file),
                    withDestinationURL: FileSafetyCLITests.demo.appendingPathComponent(file))
            }
            #expect(mkfifo(model.appendingPathComponent(name).path, 0o600) == 0)
            let result = try CLI.run(["generate", "--model", model.path, "--prompt", "The", "--max-tokens", "1"], timeout: 60)
            expectError(result, mentioning: "not a regular file")
            #expect(result.stderr.contains(name), "\(result.stderr)")
        }
    }

    /// An endless stdin or prompt file ends in an error past the 64 MiB bound, not in
    /// exhausted memory.
    @Test func endlessInputIsAnError() throws {
        expectError(try CLI.run(["tokenize", "--model", FileSafetyCLITests.demo.path], stdinPath: "/dev/zero", timeout: 120),
                    mentioning: "more than 64 MiB of input")
        expectError(try CLI.run(["generate", "--model", FileSafetyCLITests.demo.path, "--prompt-file", "-"],
                                stdinPath: "/dev/zero", timeout: 120),
                    mentioning: "more than 64 MiB of input")
        expectError(try CLI.run(["generate", "--model", FileSafetyCLITests.demo.path, "--prompt-file", "/dev/zero"], timeout: 120),
                    mentioning: "prompt file /dev/zero: more than 64 MiB")
    }

    /// A read error on stdin (here: stdin is a folder) is an error, not an empty input.
    @Test func stdinReadErrorIsAnError() throws {
        let folder = try Fixtures.temporaryFolder("stdin-folder")
        expectError(try CLI.run(["tokenize", "--model", FileSafetyCLITests.demo.path], stdinPath: folder.path),
                    mentioning: "cannot read stdin")
        expectError(try CLI.run(["chat", "--model", FileSafetyCLITests.demo.path], stdinPath: folder.path),
                    mentioning: "cannot read stdin")
    }

    /// Output that cannot be written (/dev/full) is exit 1 and an error line; a reader that
    /// went away (a closed pipe) still ends quietly with 0.
    @Test func failedStdoutWriteIsAnError() throws {
        let full = try CLI.run(["tokenize", "--model", FileSafetyCLITests.demo.path, "--text", "hello"], stdoutPath: "/dev/full")
        expectError(full, mentioning: "cannot write to standard output: No space left on device")
        let closed = try CLI.run(["generate", "--model", FileSafetyCLITests.demo.path, "--prompt", "The",
                                  "--max-tokens", "200"], closeStdoutEarly: true)
        #expect(closed.status == 0, "\(closed.stderr)")
    }
}

@Suite("llama-cli signals")
struct SignalCLITests {
    /// Ctrl-C during a chat reply stops that reply and the chat goes on; Ctrl-C at the
    /// prompt leaves.
    @Test func ctrlCStopsTheReplyThenLeaves() throws {
        let session = try CLISession(["chat", "--model", FileSafetyCLITests.demo.path, "--max-tokens", "100000",
                                      "--temperature", "1", "--seed", "3"])
        session.send("The Python interpreter\n")
        #expect(session.wait { !$0.stdout.isEmpty }, "the reply started: \(session.stderr)")
        kill(session.process.processIdentifier, SIGINT)
        #expect(session.wait { $0.stderr.contains("[reply stopped]") }, "\(session.stderr)")
        #expect(session.process.isRunning, "the chat goes on")
        session.send("/stats\n")
        #expect(session.wait { $0.stderr.contains("finish: cancelled") }, "\(session.stderr)")
        kill(session.process.processIdentifier, SIGINT)
        let result = session.finish()
        #expect(result.status == 130 && !result.crashed, "\(result.stderr)")
    }

    /// A model file truncated under the running program: one line and exit 1, not a crash
    /// with a backtrace.
    @Test func modelFileTruncatedWhileRunningIsOneLine() throws {
        let victim = try FileSafetyCLITests.demoCopy("sigbus")
        let session = try CLISession(["chat", "--model", victim.path, "--max-tokens", "4", "--temperature", "0"])
        session.send("The Python interpreter\n")
        #expect(session.wait { $0.stderr.contains("\n") || $0.stdout.contains("\n") }, "first reply: \(session.stderr)")
        #expect(truncate(victim.appendingPathComponent("consolidated.00.pth").path, 0) == 0)
        session.send("reads a line\n")
        let result = session.finish()
        #expect(result.status == 1 && !result.crashed, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("error: a model file changed while this program was reading it"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }
}
