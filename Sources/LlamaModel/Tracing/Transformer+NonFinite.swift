// Where NaN or infinity entered a forward pass: a cheap check of the logits of every step,
// and, only when it fails, a traced re-run that names the first step whose values are not
// finite. Explained in Documentation/18-Tracing-and-Attention.md.

extension Transformer {
    /// The error for logits that came out of `forward(tokens, startingAt: start)` holding
    /// NaN or infinity: runs the same tokens again with an observer and names the first
    /// step whose values are not finite.
    ///
    /// The re-run gives the same bits as the pass that failed (tracing does not change the
    /// result), so the step it names is where the failing pass went wrong. It rewrites the
    /// same cache positions with the same values; the previous observer is put back.
    /// - Parameter logits: The failing logits, counted before the re-run overwrites them.
    /// - Throws: What `forward(_:startingAt:)` throws (nothing, for arguments it just took).
    func nonFiniteLogitsError(_ logits: UnsafeBufferPointer<Float>, rerunning tokens: [Int32],
                              startingAt start: Int) throws -> ModelError {
        let found = NonFiniteCounts(logits).description
        let previous = observer
        let locator = NonFiniteLocator()
        observer = locator
        defer { observer = previous }
        try forward(tokens, startingAt: start)
        return .nonFiniteLogits(position: start + tokens.count - 1, layer: locator.first?.layer,
                                step: locator.first?.path, found: found)
    }
}

/// Whether every value is finite: no NaN, no infinity.
///
/// Generation runs this over the logits of every step, so it is one pass with no branch per
/// element: `x - x` is 0 for a finite `x` and NaN for NaN and ±infinity, and NaN survives
/// addition, so the sum of the differences is 0 exactly when every value is finite. (The
/// compiler may not fold `x - x` to 0, because of NaN.) Four sums, so that the adds do not
/// wait on each other.
/// - Complexity: O(n), 32 values per iteration.
package func allFinite(_ values: UnsafeBufferPointer<Float>) -> Bool {
    guard let base = values.baseAddress else { return true }
    let count = values.count
    let raw = UnsafeRawPointer(base)
    var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
    var i = 0
    while i + 32 <= count {
        let a = raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
        let b = raw.loadUnaligned(fromByteOffset: i &* 4 &+ 32, as: SIMD8<Float>.self)
        let c = raw.loadUnaligned(fromByteOffset: i &* 4 &+ 64, as: SIMD8<Float>.self)
        let d = raw.loadUnaligned(fromByteOffset: i &* 4 &+ 96, as: SIMD8<Float>.self)
        s0 += a - a
        s1 += b - b
        s2 += c - c
        s3 += d - d
        i &+= 32
    }
    var tail: Float = 0
    while i < count {
        tail += base[i] - base[i]
        i &+= 1
    }
    return ((s0 + s1) + (s2 + s3)).sum() + tail == 0
}

/// How many values are NaN, +infinity and -infinity.
struct NonFiniteCounts: CustomStringConvertible {
    var nan = 0, infinity = 0, negativeInfinity = 0
    let total: Int

    init(_ values: UnsafeBufferPointer<Float>) {
        total = values.count
        for value in values where !value.isFinite {
            if value.isNaN { nan += 1 } else if value > 0 { infinity += 1 } else { negativeInfinity += 1 }
        }
    }

    /// `997 NaN of 997`, `1 inf, 2 -inf of 997`.
    var description: String {
        let parts = [(nan, "NaN"), (infinity, "inf"), (negativeInfinity, "-inf")]
            .filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }
        return parts.joined(separator: ", ") + " of \(total)"
    }
}

/// Remembers the first step that holds a value that is not finite.
final class NonFiniteLocator: ForwardObserver {
    /// The first such step, or `nil` while every step has been finite.
    private(set) var first: TraceStep?

    func observe(_ step: TraceStep) {
        // The mask's -inf entries are there by design: they hide later positions.
        guard first == nil, step.name != "attention.mask" else { return }
        if step.values.contains(where: { !$0.isFinite }) { first = step }
    }
}
