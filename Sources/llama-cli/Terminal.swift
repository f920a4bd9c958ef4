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
    /// If the reader has gone away, there is nobody left to tell: exit successfully.
    static func write(_ text: String) {
        guard writeAll(1, text) else { exit(0) }
    }

    /// Writes `text` to stderr at once.
    static func writeError(_ text: String) {
        _ = writeAll(2, text)
    }

    private static func writeAll(_ descriptor: Int32, _ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return true }
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, base + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += written
            }
            return true
        }
    }

    /// Reads all of stdin as bytes.
    static func readStandardInput() -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            result.append(contentsOf: buffer[..<count])
        }
        return result
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
