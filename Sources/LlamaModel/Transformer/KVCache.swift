// The key/value cache of attention. Explained in Documentation/09-Attention-and-the-KV-Cache.md.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The keys and values of every position seen so far, per layer and KV head, so a new
/// token attends to the past without recomputing it.
///
/// Layout per layer: `[kvHead][position][headDim]` floats, so the keys one head reads in
/// order lie one after another in memory. The whole capacity is reserved as virtual
/// memory once (`mmap` with `MAP_NORESERVE`); the operating system gives it physical pages
/// only when a position is first written. So the memory used grows with the tokens
/// actually held, and nothing is ever reallocated or copied while generating.
final class KVCache {
    let layerCount: Int
    let kvHeadCount: Int
    let headDim: Int
    /// The most positions the cache holds (the context length).
    let capacity: Int
    /// How many positions hold valid keys and values.
    var count = 0

    private let base: UnsafeMutableRawPointer
    private let byteCount: Int

    /// Floats per layer for keys (and again for values).
    private var layerStride: Int { kvHeadCount * capacity * headDim }

    init(layers: Int, kvHeads: Int, headDim: Int, capacity: Int) throws {
        self.layerCount = layers
        self.kvHeadCount = kvHeads
        self.headDim = headDim
        self.capacity = capacity
        let floats = 2 * layers * kvHeads * capacity * headDim
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
    /// The keys of `layer`, KV head `head`: `capacity × headDim` floats.
    @inline(__always)
    func keys(layer: Int, head: Int) -> UnsafeMutablePointer<Float> {
        base.assumingMemoryBound(to: Float.self) + (2 * layer * layerStride + head * capacity * headDim)
    }

    /// The values of `layer`, KV head `head`: `capacity × headDim` floats.
    @inline(__always)
    func values(layer: Int, head: Int) -> UnsafeMutablePointer<Float> {
        base.assumingMemoryBound(to: Float.self) + ((2 * layer + 1) * layerStride + head * capacity * headDim)
    }
    // doc: end

    /// Forgets every position and gives the physical memory back to the system.
    func reset() {
        count = 0
        madvise(base, byteCount, MADV_DONTNEED)
    }

    /// Bytes of keys and values per position, over all layers.
    var bytesPerPosition: Int { 2 * layerCount * kvHeadCount * headDim * MemoryLayout<Float>.size }
}
