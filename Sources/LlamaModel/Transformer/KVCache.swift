// The key/value cache of attention. Explained in Documentation/11-Attention-and-the-KV-Cache.md.

import Foundation
import LlamaTensor
#if canImport(Glibc)
import Glibc
#endif

/// The keys and values of every position seen so far, per layer and KV head, so a new
/// token attends to the past without recomputing it.
///
/// Layout per layer: all KV heads' keys, then all their values. One head's values are
/// `[position][headDim]` floats, in the order the weighted sum reads them; its keys are in
/// blocks of eight positions, dimension-major (`KeyBlocks`), the order in which
/// `attentionScores` computes eight scores at once. Either way one head's entries lie one
/// after another in memory, read front to back. The whole capacity is reserved as virtual
/// memory once (`mmap` with `MAP_NORESERVE`); the operating system gives it physical pages
/// only when a position is first written. So the memory used grows with the tokens
/// actually held, and nothing is ever reallocated or copied while generating.
package final class KVCache {
    package let layerCount: Int
    package let kvHeadCount: Int
    package let headDim: Int
    /// The most positions the cache holds (the context length).
    package let capacity: Int
    /// How many positions hold valid keys and values.
    package var count = 0

    private let base: UnsafeMutableRawPointer
    private let byteCount: Int

    /// Floats per KV head for keys (and again for values): the capacity rounded up to whole
    /// key blocks.
    private let headStride: Int
    /// Floats per layer for keys (and again for values).
    private var layerStride: Int { kvHeadCount * headStride }

    init(layers: Int, kvHeads: Int, headDim: Int, capacity: Int) throws {
        self.layerCount = layers
        self.kvHeadCount = kvHeads
        self.headDim = headDim
        self.capacity = capacity
        headStride = KeyBlocks.floats(capacity: capacity, headDim: headDim)
        let floats = 2 * layers * kvHeads * headStride
        byteCount = max(1, floats * MemoryLayout<Float>.size)
        let mapped = mmap(nil, byteCount, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw ModelError.outOfMemory(what: "KV cache of \(capacity) positions (\(byteCount) bytes)")
        }
        base = mapped
    }

    deinit {
        munmap(base, byteCount)
    }

    // doc: kv-cache-layout
    /// The keys of `layer`, KV head `head`, in `KeyBlocks` layout: `capacity` positions
    /// rounded up to whole blocks of eight, times `headDim` floats.
    @inline(__always)
    package func keys(layer: Int, head: Int) -> UnsafeMutablePointer<Float> {
        base.assumingMemoryBound(to: Float.self) + (2 * layer * layerStride + head * headStride)
    }

    /// The values of `layer`, KV head `head`: `[position][headDim]`, one position's
    /// `headDim` floats after another.
    @inline(__always)
    package func values(layer: Int, head: Int) -> UnsafeMutablePointer<Float> {
        base.assumingMemoryBound(to: Float.self) + ((2 * layer + 1) * layerStride + head * headStride)
    }

    /// Stores `position`'s key and value for `layer`, KV head `head` (`headDim` floats each).
    func store(key: UnsafePointer<Float>, value: UnsafePointer<Float>, layer: Int, head: Int, position: Int) {
        KeyBlocks.store(key, position: position, headDim: headDim, into: keys(layer: layer, head: head))
        (values(layer: layer, head: head) + position * headDim).update(from: value, count: headDim)
    }
    // doc: end

    /// Forgets every position and gives the physical memory back to the system.
    func reset() {
        count = 0
        madvise(base, byteCount, MADV_DONTNEED)
    }

    /// The memory that holds the first `positions` positions, in a fixed order: per layer
    /// and KV head, the key blocks that cover them, then their values. A prompt-cache file
    /// stores these regions one after another, so it does not depend on the capacity.
    func regions(positions: Int) -> [UnsafeMutableRawBufferPointer] {
        precondition(positions <= capacity)
        let keyFloats = KeyBlocks.floats(capacity: positions, headDim: headDim)
        var regions: [UnsafeMutableRawBufferPointer] = []
        for layer in 0..<layerCount {
            for head in 0..<kvHeadCount {
                regions.append(UnsafeMutableRawBufferPointer(start: keys(layer: layer, head: head),
                                                             count: keyFloats * MemoryLayout<Float>.size))
            }
            for head in 0..<kvHeadCount {
                regions.append(UnsafeMutableRawBufferPointer(start: values(layer: layer, head: head),
                                                             count: positions * headDim * MemoryLayout<Float>.size))
            }
        }
        return regions
    }

    /// Bytes of keys and values per position, over all layers.
    var bytesPerPosition: Int { 2 * layerCount * kvHeadCount * headDim * MemoryLayout<Float>.size }
}
