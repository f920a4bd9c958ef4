// Writing to stdout and stderr: unbuffered where it matters (streamed tokens), quiet when
// the reader goes away (`llama-cli generate ... | head`), and a progress line only when a
// person is watching.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's standard streams.
enum Terminal {
    /// The most that is read from stdin or a prompt file: far beyond any context window
    /// (Llama 3.1's 131,072 tokens are about half a megabyte of text), and small enough that
    /// an endless input such as /dev/zero ends in an error instead of exhausting memory.
    static let inputLimit = 64 << 20

    /// Called once at start: a closed pipe then gives EPIPE from write() instead of killing
    /// the process with SIGPIPE, and `write` below ends the program quietly.
    static func ignoreBrokenPipes() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// Whether stdin, stdout or stderr is an interactive terminal.
    static var stdinIsTerminal: Bool { isatty(0) == 1 }
    static var stdoutIsTerminal: Bool { isatty(1) == 1 }
    static var stderrIsTerminal: Bool { isatty(2) == 1 }

    /// Writes `text` to stdout at once (no buffering), so tokens appear as they are made.
    ///
    /// If the reader has gone away (EPIPE: `llama-cli generate ... | head`), there is nobody
    /// left to tell: exit successfully. Any other failure (`> /dev/full`, a full disk) loses
    /// output the user asked for, so it is an error line and exit status 1.
    static func write(_ text: String) {
        let code = writeAll(1, text)
        guard code != 0 else { return }
        if code == EPIPE { exit(0) }
        writeError("error: cannot write to standard output: \(String(cString: strerror(code)))\n")
        exit(1)
    }

    /// Writes `text` to stderr at once. A failure here has nowhere to be reported.
    static func writeError(_ text: String) {
        _ = writeAll(2, text)
    }

    /// Writes all of `text`; returns 0, or the errno of the failed write.
    private static func writeAll(_ descriptor: Int32, _ text: String) -> Int32 {
        var text = text
        return text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return 0 }
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, base + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += written
            }
            return 0
        }
    }

    /// Reads all of stdin as bytes, at most `inputLimit` of them.
    /// - Throws: `CLIError.failure` on a read error or past the limit.
    static func readStandardInput() throws -> [UInt8] {
        try readAll(descriptor: 0, name: "stdin")
    }

    /// Reads a file (or FIFO) whole, at most `inputLimit` bytes; "-" is stdin.
    /// - Parameter role: What the file is, for messages ("prompt file").
    /// - Throws: `CLIError.failure` naming `path` when it cannot be opened or read, or
    ///   holds more than `inputLimit` bytes.
    static func readFile(_ path: String, role: String) throws -> [UInt8] {
        if path == "-" { return try readStandardInput() }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw CLIError.failure("cannot read \(role) \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        return try readAll(descriptor: descriptor, name: "\(role) \(path)")
    }

    private static func readAll(descriptor: Int32, name: String) throws -> [UInt8] {
        var result: [UInt8] = []
        while try readChunk(descriptor, name: name, appendingTo: &result) > 0 {
            guard result.count <= inputLimit else {
                throw CLIError.failure("\(name): more than \(inputLimit >> 20) MiB of input; the limit is \(inputLimit >> 20) MiB")
            }
        }
        return result
    }

    /// Reads what is available (up to 64 KiB) and appends it to `bytes`; returns how many
    /// bytes came, 0 at the end of input. Interrupted reads are retried.
    /// - Throws: `CLIError.failure` naming `name` with the system's reason.
    static func readChunk(_ descriptor: Int32, name: String, appendingTo bytes: inout [UInt8]) throws -> Int {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count >= 0 {
                bytes.append(contentsOf: buffer[..<count])
                return count
            }
            if errno != EINTR {
                throw CLIError.failure("cannot read \(name): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Lines from stdin, for `chat` and the menu: like the standard library's `readLine`,
    /// but a read error is an error (not the end of input) and a line is at most
    /// `inputLimit` bytes.
    final class LineReader {
        private var pending: [UInt8] = []
        private var atEnd = false

        /// The next line without its newline, or nil at the end of input. A last line with
        /// no newline is still a line. Invalid UTF-8 is repaired (U+FFFD), as `readLine` does.
        func next() throws -> String? {
            while true {
                if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    var line = Array(pending[..<newline])
                    pending.removeSubrange(...newline)
                    if line.last == UInt8(ascii: "\r") { line.removeLast() }
                    return String(decoding: line, as: UTF8.self)
                }
                if atEnd {
                    guard !pending.isEmpty else { return nil }
                    defer { pending = [] }
                    return String(decoding: pending, as: UTF8.self)
                }
                guard pending.count <= Terminal.inputLimit else {
                    throw CLIError.failure("stdin: a line longer than \(Terminal.inputLimit >> 20) MiB")
                }
                if try Terminal.readChunk(0, name: "stdin", appendingTo: &pending) == 0 { atEnd = true }
            }
        }
    }
}

/// A one-line progress display on stderr (`\r`-rewritten), shown only on a terminal so
/// that logs and pipes stay clean.
final class ProgressLine: @unchecked Sendable {
    // @unchecked Sendable: only called from the loading thread, one call at a time.
    private let enabled = Terminal.stderrIsTerminal
    private let label: String
    private var lastPercent = -1

    init(label: String) { self.label = label }

    /// Shows `fraction` (0...1) and the stage.
    func update(_ fraction: Double, _ stage: String) {
        guard enabled else { return }
        let percent = Int((fraction * 100).rounded(.down))
        guard percent != lastPercent else { return }
        lastPercent = percent
        Terminal.writeError("\r\u{1B}[2K\(label): \(percent)% \(stage)")
    }

    /// Erases the line.
    func finish() {
        guard enabled, lastPercent >= 0 else { return }
        Terminal.writeError("\r\u{1B}[2K")
    }
}
