// The dimensions of a tensor. Explained in Documentation/07-Tensors.md.

/// The sizes of a tensor's axes, outermost first, as in PyTorch (`[out, in]` for a weight).
public struct Shape: Hashable, Sendable, ExpressibleByArrayLiteral, CustomStringConvertible {
    /// The size of each axis. Never negative.
    public let dimensions: [Int]

    /// Creates a shape. Negative sizes are a programming error.
    public init(_ dimensions: [Int]) {
        precondition(dimensions.allSatisfy { $0 >= 0 }, "negative dimension in \(dimensions)")
        self.dimensions = dimensions
    }

    /// Creates a shape from a literal: `let s: Shape = [4096, 4096]`.
    public init(arrayLiteral elements: Int...) {
        self.init(elements)
    }

    /// The number of axes.
    public var rank: Int { dimensions.count }

    /// The number of elements: the product of the sizes (1 for a scalar shape `[]`).
    /// Only for shapes known to fit in memory; use `checkedElementCount` for shapes read
    /// from a file.
    public var elementCount: Int { dimensions.reduce(1, *) }

    /// The number of elements, or `nil` when the product overflows `Int` (a lying file).
    public var checkedElementCount: Int? {
        var count = 1
        for d in dimensions {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            count = product
        }
        return count
    }

    /// The size of axis `axis`.
    public subscript(axis: Int) -> Int { dimensions[axis] }

    /// `[4096, 4096]`.
    public var description: String {
        "[" + dimensions.map(String.init).joined(separator: ", ") + "]"
    }
}
