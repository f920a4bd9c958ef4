// Running the built llama-cli binary as a user would: arguments, stdin, stdout, stderr and
// the exit status.

import Foundation
import TestSupport
import Testing

/// What one run of llama-cli produced.
struct CLIResult {
    let status: Int32
    /// Whether the process ended by a signal (a crash) rather than exiting.
    let crashed: Bool
    let stdout: String
    let stderr: String

    /// The stdout lines, each parsed as a JSON object.
    func jsonLines() throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map { line in
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw CLITestError.notAnObject(String(line))
            }
            return object
        }
    }
}

enum CLITestError: Error {
    case notAnObject(String)
}

enum CLI {
    /// Runs llama-cli with `arguments`, feeding `stdin` (empty when nil) and waiting for it.
    /// - Parameters:
    ///   - stdinPath: A file to read stdin from instead of `stdin` (a device, a folder).
    ///   - stdoutPath: A file to write stdout to instead of a pipe (/dev/full).
    ///   - timeout: A run that takes longer is killed, and the test fails on its status:
    ///     a hang must end the test, not CI.
    ///   - executable: Another program to run instead (a shell that sets limits first).
    static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                    closeStdoutEarly: Bool = false, stdinPath: String? = nil, stdoutPath: String? = nil,
                    timeout: TimeInterval = 300, executable: String? = nil) throws -> CLIResult {
        let process = Process()
        process.executableURL = try executable.map { URL(fileURLWithPath: $0) } ?? Fixtures.llamaCLI()
        process.arguments = arguments
        process.currentDirectoryURL = FileManager.default.temporaryDirectory
        var env = ProcessInfo.processInfo.environment
        env["LLAMA_MODEL"] = nil
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let input = Pipe(), output = Pipe(), errors = Pipe()
        if let stdinPath {
            process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: stdinPath))
        } else {
            process.standardInput = input
        }
        if let stdoutPath {
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        } else {
            process.standardOutput = output
        }
        process.standardError = errors
        try process.run()
        let watchdog = DispatchWorkItem { [process] in if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        defer { watchdog.cancel() }
        if closeStdoutEarly { try output.fileHandleForReading.close() }

        // Read both streams on their own threads so a full pipe never blocks the child.
        final class Box: @unchecked Sendable { var data = Data() }
        let out = Box(), err = Box()
        let group = DispatchGroup()
        if !closeStdoutEarly && stdoutPath == nil {
            DispatchQueue.global().async(group: group) { out.data = output.fileHandleForReading.readDataToEndOfFile() }
        }
        DispatchQueue.global().async(group: group) { err.data = errors.fileHandleForReading.readDataToEndOfFile() }
        if stdinPath == nil {
            if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
            try input.fileHandleForWriting.close()
        }
        process.waitUntilExit()
        group.wait()
        return CLIResult(status: process.terminationStatus,
                         crashed: process.terminationReason == .uncaughtSignal,
                         stdout: String(decoding: out.data, as: UTF8.self),
                         stderr: String(decoding: err.data, as: UTF8.self))
    }
}

/// A llama-cli process that a test talks to while it runs: lines in, output polled, signals.
final class CLISession: @unchecked Sendable {
    // @unchecked Sendable: the output buffers are only touched under `lock`.
    let process = Process()
    private let input = Pipe(), output = Pipe(), errors = Pipe()
    private let lock = NSLock()
    private var out = Data(), err = Data()
    private let done = DispatchGroup()

    init(_ arguments: [String]) throws {
        process.executableURL = try Fixtures.llamaCLI()
        process.arguments = arguments
        process.currentDirectoryURL = FileManager.default.temporaryDirectory
        var env = ProcessInfo.processInfo.environment
        env["LLAMA_MODEL"] = nil
        process.environment = env
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        for (pipe, isOutput) in [(output, true), (errors, false)] {
            DispatchQueue.global().async(group: done) { [self] in
                while true {
                    let chunk = pipe.fileHandleForReading.availableData
                    if chunk.isEmpty { return }
                    lock.lock()
                    if isOutput { out.append(chunk) } else { err.append(chunk) }
                    lock.unlock()
                }
            }
        }
    }

    var stdout: String { lock.lock(); defer { lock.unlock() }; return String(decoding: out, as: UTF8.self) }
    var stderr: String { lock.lock(); defer { lock.unlock() }; return String(decoding: err, as: UTF8.self) }

    /// Sends `text` to stdin.
    func send(_ text: String) { input.fileHandleForWriting.write(Data(text.utf8)) }

    /// Closes stdin (end of input).
    func closeInput() throws { try input.fileHandleForWriting.close() }

    /// Waits (up to `timeout` seconds) until `condition` holds; returns whether it did.
    @discardableResult
    func wait(timeout: TimeInterval = 120, until condition: (CLISession) -> Bool) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if condition(self) { return true }
            usleep(10_000)
        }
        return condition(self)
    }

    /// Waits for the process to end (killing it after `timeout` seconds) and returns the result.
    func finish(timeout: TimeInterval = 120) -> CLIResult {
        if !wait(timeout: timeout, until: { !$0.process.isRunning }) { process.terminate() }
        process.waitUntilExit()
        done.wait()
        return CLIResult(status: process.terminationStatus, crashed: process.terminationReason == .uncaughtSignal,
                         stdout: stdout, stderr: stderr)
    }
}

/// A run that failed on bad input: exit 1, no crash, exactly one line starting with
/// `error:` that mentions `fragment`.
func expectError(_ result: CLIResult, mentioning fragment: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.status == 1, "\(result.stderr)", sourceLocation: sourceLocation)
    #expect(!result.crashed, sourceLocation: sourceLocation)
    #expect(result.stderr.hasPrefix("error: "), "\(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stderr.filter { $0 == "\n" }.count == 1, "\(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stderr.contains(fragment), "\(result.stderr)", sourceLocation: sourceLocation)
}

/// A usage mistake: exit 2, the message mentioning `fragment`, then the `--help` hint,
/// and nothing on stdout.
func expectUsage(_ arguments: [String], mentioning fragment: String,
                 sourceLocation: SourceLocation = #_sourceLocation) throws {
    let result = try CLI.run(arguments)
    #expect(result.status == 2, "\(arguments): \(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stderr.contains(fragment), "\(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stderr.contains("--help' for usage"), sourceLocation: sourceLocation)
    #expect(result.stdout.isEmpty, sourceLocation: sourceLocation)
}

/// The prompt and greedy continuation Meta's model.py produced for a fixture.
struct FixtureReference: Decodable {
    let prompt: [Int32]
    let greedy: [Int32]

    static func load(_ fixture: String) throws -> FixtureReference {
        let url = Fixtures.url("models/\(fixture)/reference.json")
        return try JSONDecoder().decode(FixtureReference.self, from: Data(contentsOf: url))
    }
}
