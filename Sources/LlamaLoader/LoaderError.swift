// Everything that can go wrong while reading a model folder, as one typed error whose text
// names the file, entry, tensor or field, what was expected and what was found.
// Explained in Documentation/04-Reading-a-PyTorch-Checkpoint.md.

import Foundation

/// A model folder, checkpoint or `params.json` could not be read.
///
/// Every case names what it is about (a file by its last path component, a tensor by its
/// checkpoint key, a field by its JSON name), so the one-line `description` is enough to
/// fix the problem:
///
/// ```
/// layers.3.attention.wq.weight: expected [4096, 4096] bf16, found [1024, 4096] bf16
/// consolidated.00.pth: the pickle asks for global os.system, which is not on the allow-list (nothing was run)
/// ```
public enum LoaderError: Error, Equatable, CustomStringConvertible {
    /// A file or folder could not be opened or mapped: missing, a folder, unreadable.
    case cannotOpen(file: String, reason: String)
    /// The file is not a zip archive that PyTorch could have written, or the archive's
    /// structure is damaged (empty, truncated, random bytes, offsets out of range).
    case invalidArchive(file: String, reason: String)
    /// An archive entry cannot be read in place (compressed or encrypted).
    case unsupportedEntry(file: String, entry: String, reason: String)
    /// An archive entry that a PyTorch checkpoint must have is missing.
    case missingEntry(file: String, entry: String)
    /// The pickle (`data.pkl`) is damaged or uses an opcode or a form we do not read.
    case invalidPickle(file: String, offset: Int, reason: String)
    /// The pickle names a global outside the allow-list. Nothing was executed.
    case forbiddenGlobal(file: String, name: String)
    /// The pickle built something other than a state dict (a dict of names to tensors).
    case notAStateDict(file: String, found: String)
    /// The checkpoint's data is in a byte order this machine cannot read in place.
    case unsupportedByteOrder(file: String, found: String)
    /// A tensor in the checkpoint cannot be viewed as a `Tensor`: unsupported element type,
    /// non-contiguous strides, storage missing or too small.
    case invalidTensor(file: String, tensor: String, reason: String)
    /// `params.json` is not JSON, or not a JSON object.
    case invalidJSON(file: String, reason: String)
    /// A field of `params.json` is missing, of the wrong type or out of range.
    case invalidParameter(file: String, field: String, expected: String, found: String)
    /// A weight that the parameters imply is missing or has the wrong shape.
    case tensorMismatch(tensor: String, expected: String, found: String)
    /// The model folder is laid out in a way we do not read (for example several shards).
    case unsupportedFolder(folder: String, reason: String)
    /// A GGUF file's structure is damaged or uses something we do not read (bad magic,
    /// version, truncation, impossible counts, misaligned tensors, missing `llama.*` keys).
    case invalidGGUF(file: String, reason: String)
    /// A file could not be written (with the system's reason; a full disk says so). Any
    /// file that was there before is unchanged.
    case cannotWrite(path: String, reason: String)
    /// An output was refused before anything was written: it is one of the run's inputs,
    /// or it exists and is not a regular file.
    case unsafeOutput(path: String, reason: String)

    /// One line: the thing, what was expected, what was found.
    public var description: String {
        switch self {
        case let .cannotOpen(file, reason):
            return "\(file): cannot open: \(reason)"
        case let .invalidArchive(file, reason):
            return "\(file): not a readable PyTorch checkpoint (zip archive): \(reason)"
        case let .unsupportedEntry(file, entry, reason):
            return "\(file): archive entry \(entry): \(reason)"
        case let .missingEntry(file, entry):
            return "\(file): expected an archive entry \(entry), found none"
        case let .invalidPickle(file, offset, reason):
            return "\(file): invalid pickle at byte \(offset) of data.pkl: \(reason)"
        case let .forbiddenGlobal(file, name):
            return "\(file): the pickle asks for global \(name), which is not on the allow-list (nothing was run)"
        case let .notAStateDict(file, found):
            return "\(file): expected a state dict (tensor names to tensors), found \(found)"
        case let .unsupportedByteOrder(file, found):
            return "\(file): expected byte order little, found \(found)"
        case let .invalidTensor(file, tensor, reason):
            return "\(file): tensor \(tensor): \(reason)"
        case let .invalidJSON(file, reason):
            return "\(file): invalid JSON: \(reason)"
        case let .invalidParameter(file, field, expected, found):
            return "\(file): \(field): expected \(expected), found \(found)"
        case let .tensorMismatch(tensor, expected, found):
            return "\(tensor): expected \(expected), found \(found)"
        case let .unsupportedFolder(folder, reason):
            return "\(folder): \(reason)"
        case let .invalidGGUF(file, reason):
            return "\(file): not a readable GGUF model: \(reason)"
        case let .cannotWrite(path, reason):
            return "\(path): cannot write: \(reason)"
        case let .unsafeOutput(path, reason):
            return "\(path): refusing to write there: \(reason)"
        }
    }
}

extension LoaderError {
    /// The longest input, in Unicode scalars, that an error quotes whole.
    package static let excerptLength = 80

    /// `text` as an error message quotes it: whole when it is short, otherwise its first
    /// `excerptLength` scalars, "…" and its size, so that a 10 MB string from a file makes a
    /// one-line error, not a 10 MB one.
    package static func excerpt(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let end = scalars.index(scalars.startIndex, offsetBy: excerptLength, limitedBy: scalars.endIndex),
              end != scalars.endIndex else { return text }
        return String(scalars[..<end]) + "… (\(text.utf8.count) bytes)"
    }
}

extension LoaderError: LocalizedError {
    /// The same one line as `description`, so `error.localizedDescription` in an app shows
    /// what the command line prints.
    public var errorDescription: String? { description }
}
