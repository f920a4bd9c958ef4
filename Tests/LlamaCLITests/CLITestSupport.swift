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
    static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                    closeStdoutEarly: Bool = false) throws -> CLIResult {
        let process = Process()
        process.executableURL = try Fixtures.llamaCLI()
        process.arguments = arguments
        process.currentDirectoryURL = FileManager.default.temporaryDirectory
        var env = ProcessInfo.processInfo.environment
        env["LLAMA_MODEL"] = nil
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        if closeStdoutEarly { try output.fileHandleForReading.close() }

        // Read both streams on their own threads so a full pipe never blocks the child.
        final class Box: @unchecked Sendable { var data = Data() }
        let out = Box(), err = Box()
        let group = DispatchGroup()
        if !closeStdoutEarly {
            DispatchQueue.global().async(group: group) { out.data = output.fileHandleForReading.readDataToEndOfFile() }
        }
        DispatchQueue.global().async(group: group) { err.data = errors.fileHandleForReading.readDataToEndOfFile() }
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        group.wait()
        return CLIResult(status: process.terminationStatus,
                         crashed: process.terminationReason == .uncaughtSignal,
                         stdout: String(decoding: out.data, as: UTF8.self),
                         stderr: String(decoding: err.data, as: UTF8.self))
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
