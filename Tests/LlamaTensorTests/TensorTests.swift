// Tensor views: shapes, rows, reshapes, bounds, and borrowed storage lifetimes.

import Foundation
import Testing
@testable import LlamaTensor

@Suite("Tensor")
struct TensorTests {
    @Test func storesValuesInEachDType() throws {
        let values: [Float] = [1, -2.5, 3.140625, 0, 1024]  // exact in bf16, f16 and f32
        for dtype in [DType.bf16, .f16, .f32] {
            let t = try Tensor(values, shape: [5], dtype: dtype)
            #expect(t.byteCount == dtype.byteCount(elements: 5))
            #expect(t.floats() == values, "\(dtype)")
        }
        // q8_0: 32 levels of one scale are exact (d = 127/127 = 1), and a row view of a
        // block tensor starts at a block boundary.
        var levels: [Float] = (0..<64).map { Float($0) - 32 }
        levels[5] = 127
        levels[40] = -127
        let q = try Tensor(levels, shape: [2, 32], dtype: .q8_0)
        #expect(q.byteCount == 68)
        #expect(q.floats() == levels)
        #expect(q[1].byteOffset == 34 && q[1].floats() == Array(levels[32...]))
        // bf16 rounds: 1.00390625 ties to 1.0.
        #expect(try Tensor([1.00390625], shape: [1], dtype: .bf16).floats() == [1.0])
    }

    @Test func rowsAndReshapesAreViewsOfTheSameBytes() throws {
        let t = try Tensor((0..<12).map(Float.init), shape: [3, 4])
        let row = t[2]
        #expect(row.shape == [4])
        #expect(row.floats() == [8, 9, 10, 11])
        #expect(row.storage === t.storage)
        #expect(row.byteOffset == 32)
        let r = try t.reshaped([4, 3])
        #expect(r[1].floats() == [3, 4, 5])
        #expect(r.storage === t.storage)
        t.withUnsafeMutableFloats { $0[9] = -1 }
        #expect(row.floats() == [8, -1, 10, 11])
    }

    @Test func rejectsViewsThatDoNotFit() throws {
        let storage = TensorStorage(byteCount: 16)
        #expect(throws: TensorError.self) { try Tensor(dtype: .f32, shape: [5], storage: storage) }
        #expect(throws: TensorError.self) { try Tensor(dtype: .bf16, shape: [4], storage: storage, byteOffset: 10) }
        #expect(throws: TensorError.self) { try Tensor(dtype: .f32, shape: [1], storage: storage, byteOffset: -4) }
        #expect(throws: TensorError.self) {
            try Tensor(dtype: .f32, shape: [Int.max / 2, 4], storage: storage)  // size overflows
        }
        #expect(throws: TensorError.self) { try Tensor([1, 2, 3], shape: [2, 2]) }
        #expect(throws: TensorError.self) { try Tensor(zeros: [2, 3]).reshaped([5]) }
        let error = TensorError.elementCountMismatch(shape: [2, 2], count: 3)
        #expect(error.description == "shape [2, 2] holds 4 elements, found 3")
    }

    /// A borrowed region's owner (for example a memory mapping) lives as long as any
    /// tensor viewing it, and no longer.
    @Test func borrowedStorageKeepsItsOwnerAlive() throws {
        final class Owner {
            let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: 8, alignment: 8)
            deinit { bytes.deallocate() }
        }
        weak var weakOwner: Owner?
        var tensor: Tensor?
        do {
            let owner = Owner()
            owner.bytes.storeBytes(of: Float(2.5), toByteOffset: 4, as: Float.self)
            weakOwner = owner
            let storage = TensorStorage(borrowing: UnsafeRawBufferPointer(owner.bytes), keepingAlive: owner)
            tensor = try Tensor(dtype: .f32, shape: [1], storage: storage, byteOffset: 4)
        }
        #expect(weakOwner != nil)
        #expect(tensor?.floats() == [2.5])
        tensor = nil
        #expect(weakOwner == nil)
    }

    @Test func shapesDescribeThemselves() {
        let s: Shape = [4096, 1024]
        #expect(s.description == "[4096, 1024]")
        #expect(s.elementCount == 4096 * 1024)
        #expect(Shape([]).elementCount == 1)
        #expect(DType.bf16.description == "bf16")
    }
}
