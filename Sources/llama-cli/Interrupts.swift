// What llama-cli does on Ctrl-C, SIGTERM and SIGBUS: never leave a half-written file, stop a
// chat reply without leaving the chat, and turn a model file that shrinks under the running
// program into one line instead of a crash. Explained in Documentation/17-Bad-Input.md.

import LlamaLoader
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's signal handlers. They only touch memory that exists before they are
/// installed, and call only async-signal-safe functions (`write`, `unlink`, `_exit`).
enum Interrupts {
    /// 1 while a chat reply streams: a first Ctrl-C then asks it to stop instead of exiting.
    nonisolated(unsafe) private static let replyRunning: UnsafeMutablePointer<Int32> = {
        let flag = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        flag.initialize(to: 0)
        return flag
    }()
    /// 1 once Ctrl-C asked the running reply to stop.
    nonisolated(unsafe) private static let stopRequested: UnsafeMutablePointer<Int32> = {
        let flag = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        flag.initialize(to: 0)
        return flag
    }()

    /// Installs the handlers; called once at start.
    static func install() {
        // Everything the handlers read must exist before the first signal.
        _ = replyRunning
        _ = stopRequested
        AtomicFileWriter.removeUnfinishedFiles()

        // A parent may start us with these signals blocked (threads of a Dispatch pool block
        // them, and children inherit the mask): unblock them, or Ctrl-C and SIGTERM would
        // wait forever and a half-written file would never be cleaned up.
        var handled = sigset_t()
        sigemptyset(&handled)
        for number in [SIGINT, SIGTERM, SIGHUP, SIGBUS] { sigaddset(&handled, number) }
        sigprocmask(SIG_UNBLOCK, &handled, nil)

        signal(SIGINT) { _ in
            // During a reply, the first Ctrl-C stops that reply; the chat goes on.
            if Interrupts.replyRunning.pointee == 1 && Interrupts.stopRequested.pointee == 0 {
                Interrupts.stopRequested.pointee = 1
                return
            }
            Interrupts.exitAfterCleanup(130)
        }
        signal(SIGTERM) { _ in Interrupts.exitAfterCleanup(143) }
        // Past a file-size limit (`ulimit -f`), write() then fails with EFBIG, which the
        // writer reports and cleans up after, instead of the process being killed mid-file.
        signal(SIGXFSZ, SIG_IGN)
        signal(SIGHUP) { _ in Interrupts.exitAfterCleanup(129) }
        signal(SIGBUS) { _ in
            // A mapped file that shrinks under us (another program rewrote the model) makes
            // the next read of a vanished page raise SIGBUS. No check can see it coming, so
            // say what happened instead of crashing with a backtrace.
            let message: StaticString = "error: a model file changed while this program was reading it (it was truncated or rewritten); run again once it is complete\n"
            message.withUTF8Buffer { _ = write(2, $0.baseAddress, $0.count) }
            Interrupts.exitAfterCleanup(1)
        }
    }

    /// Removes any half-written output, then ends the process at once.
    private static func exitAfterCleanup(_ status: Int32) -> Never {
        AtomicFileWriter.removeUnfinishedFiles()
        _exit(status)
    }

    /// Runs `body` (a chat reply) with Ctrl-C meaning "stop this reply"; `shouldStop` tells
    /// the generation callback whether it was pressed.
    static func duringReply<Result>(_ body: () throws -> Result) rethrows -> Result {
        stopRequested.pointee = 0
        replyRunning.pointee = 1
        defer { replyRunning.pointee = 0 }
        return try body()
    }

    /// Whether Ctrl-C asked the running reply to stop.
    static var shouldStop: Bool { stopRequested.pointee == 1 }
}
