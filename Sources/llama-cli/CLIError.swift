// How llama-cli reports failure: usage mistakes exit with 2 and a hint, everything else
// with 1 and one line `error: ...`.

/// A failure the command line reports and exits on.
enum CLIError: Error {
    /// The command line itself is wrong: an unknown flag, a missing or malformed value.
    /// `command` picks the usage hint ("generate", "chat", ... or nil for the tool).
    case usage(String, command: String?)
    /// Anything else, already phrased for the user (a file that cannot be read, bad input).
    case failure(String)
}
