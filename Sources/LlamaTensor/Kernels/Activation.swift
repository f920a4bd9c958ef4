// SiLU and the SwiGLU gate of the feed-forward block. Explained in Documentation/10-SwiGLU.md.

import Foundation

/// The sigmoid linear unit, `x · σ(x) = x / (1 + e^(-x))` (PyTorch's `F.silu`).
@inlinable
public func silu(_ x: Float) -> Float {
    x / (1 + expf(-x))
}

/// `out[i] = silu(x[i])`.
/// - Complexity: O(n), no allocation.
public func silu(_ x: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>) {
    precondition(out.count == x.count, "silu: lengths differ")
    for i in 0..<x.count { out[i] = silu(x[i]) }
}

/// The SwiGLU gate: `out[i] = silu(gate[i]) · up[i]`, Meta's `F.silu(self.w1(x)) * self.w3(x)`.
/// - Parameters:
///   - gate: The `w1` projection.
///   - up: The `w3` projection, as long as `gate`.
///   - out: As long as `gate`; may be the same memory as either input.
/// - Complexity: O(n), no allocation.
public func siluMultiply(_ gate: UnsafeBufferPointer<Float>, _ up: UnsafeBufferPointer<Float>,
                         into out: UnsafeMutableBufferPointer<Float>) {
    precondition(up.count == gate.count && out.count == gate.count, "siluMultiply: lengths differ")
    for i in 0..<gate.count { out[i] = silu(gate[i]) * up[i] }
}
