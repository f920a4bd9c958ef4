// Holding back text that may be the start of a stop string. Explained in
// Documentation/14-Streaming-Text.md.

/// Finds the caller's stop strings in streamed text, releasing only text that can no
/// longer be part of one.
///
/// Text arrives token by token, so `"\n\nUser:"` may come as `"\n"`, `"\nUser"`, `":"`. Each
/// piece is appended to a held-back tail; whatever precedes the earliest place where a stop
/// string could still begin is released. Compared by Unicode scalars (exactly what the
/// tokenizer produced), not by Swift's canonical-equivalence `Character`s.
struct StopStringMatcher {
    private let stops: [[Unicode.Scalar]]
    private var held: [Unicode.Scalar] = []

    init(_ stopStrings: [String]) {
        stops = stopStrings.map { Array($0.unicodeScalars) }.filter { !$0.isEmpty }
    }

    /// Adds `text`; returns the text now safe to emit and whether a stop string appeared
    /// (the emitted text then ends just before it, and the rest is dropped).
    mutating func append(_ text: String) -> (release: String, stopped: Bool) {
        guard !stops.isEmpty else { return (text, false) }
        // doc: stop-string-hold
        held.append(contentsOf: text.unicodeScalars)
        // A complete stop string: release what comes before the earliest one.
        if let end = earliestMatch() {
            let released = String(String.UnicodeScalarView(held[..<end]))
            held.removeAll()
            return (released, true)
        }
        // Otherwise keep the longest tail that could still grow into a stop string: from the
        // earliest position where the held text is a prefix of one.
        var keepFrom = held.count
        for start in held.indices where couldStartStop(at: start) {
            keepFrom = start
            break
        }
        let released = String(String.UnicodeScalarView(held[..<keepFrom]))
        held.removeFirst(keepFrom)
        return (released, false)
        // doc: end
    }

    /// Everything still held (at the end of a generation that did not stop on a string).
    mutating func flush() -> String {
        defer { held.removeAll() }
        return String(String.UnicodeScalarView(held))
    }

    /// The start index of the earliest complete stop string in `held`.
    private func earliestMatch() -> Int? {
        var best: Int?
        for stop in stops where stop.count <= held.count {
            for start in 0...(held.count - stop.count) where held[start..<(start + stop.count)].elementsEqual(stop) {
                best = min(best ?? start, start)
                break
            }
        }
        return best
    }

    /// Whether `held[start...]` is a (proper) prefix of some stop string.
    private func couldStartStop(at start: Int) -> Bool {
        let tail = held[start...]
        return stops.contains { $0.count > tail.count && $0.starts(with: tail) }
    }
}
