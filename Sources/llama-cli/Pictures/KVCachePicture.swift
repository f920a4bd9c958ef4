// The KV cache's memory layout as a picture (`llama-cli picture kv-cache`): where each
// layer's and head's keys and values lie, how one head's keys are stored in blocks of
// eight positions (KeyBlocks), and how attentionScores reads a block.
//
// The layout is read from a real cache, not restated: the model runs a short prompt, and
// the offsets of every layer's and head's keys and values are the cache's own pointers.
// Before drawing, every cached key and value is found where the picture puts it (keys at
// KeyBlocks.index, values at position · headDim), compared with the trace of the same
// pass; a layout change that the picture did not follow stops it with an error.

import Foundation
import LlamaLoader
import LlamaModel
import LlamaTensor
import SVGWriter

/// One model's KV cache, small enough to draw: `capacity` positions, `filled` of them written.
struct KVCachePicture {
    let source: ModelSource

    /// The cache drawn holds this many positions: not a multiple of eight, so the picture
    /// shows the capacity rounded up to whole key blocks.
    static let capacity = 20
    /// Positions written by the prompt before the cache is read: the second block part full.
    static let filled = 11

    /// Offsets in floats from the first key of layer 0, head 0.
    struct Layout {
        let layers: Int, heads: Int, headDim: Int
        /// Floats from one head's keys to the next head's.
        let headStride: Int
        /// Floats from a layer's keys to its values.
        let valuesOffset: Int
        /// Floats from one layer's keys to the next layer's.
        let layerStride: Int
        /// Floats in the whole cache.
        let total: Int
    }

    var svg: String {
        get throws {
            let p = source.params
            let transformer = try Transformer(weights: source.weights, params: p, contextLength: Self.capacity,
                                              threadCount: 1, batchSize: Self.capacity)
            let recorder = TraceRecorder()
            transformer.observer = recorder
            let prompt = (0..<Self.filled).map { Int32(($0 * 37 + 11) % p.vocabSize) }
            try transformer.forward(prompt, startingAt: 0)
            transformer.observer = nil
            let layout = try Self.layout(of: transformer.cache, checkedAgainst: recorder.steps)
            return draw(layout)
        }
    }

    /// The cache's offsets, after checking that every written key and value lies where
    /// they say.
    static func layout(of cache: KVCache, checkedAgainst steps: [TraceStep]) throws -> Layout {
        let base = cache.keys(layer: 0, head: 0)
        let layers = cache.layerCount, heads = cache.kvHeadCount, d = cache.headDim
        let headStride = heads > 1 ? cache.keys(layer: 0, head: 1) - base : KeyBlocks.floats(capacity: cache.capacity, headDim: d)
        let layout = Layout(layers: layers, heads: heads, headDim: d, headStride: headStride,
                            valuesOffset: cache.values(layer: 0, head: 0) - base,
                            layerStride: layers > 1 ? cache.keys(layer: 1, head: 0) - base : 2 * heads * headStride,
                            total: 2 * layers * heads * headStride)
        for layer in 0..<layers {
            guard let keys = steps.first(where: { $0.layer == layer && $0.name == "attention.rope.xk" }),
                  let values = steps.first(where: { $0.layer == layer && $0.name == "attention.wv" }) else {
                throw CLIError.failure("the traced pass reported no keys or values for layer \(layer)")
            }
            for head in 0..<heads {
                let cachedKeys = cache.keys(layer: layer, head: head), cachedValues = cache.values(layer: layer, head: head)
                for position in 0..<cache.count {
                    for i in 0..<d {
                        let traced = (position * heads + head) * d + i
                        guard cachedKeys[KeyBlocks.index(position: position, dimension: i, headDim: d)] == keys.values[traced],
                              cachedValues[position * d + i] == values.values[traced] else {
                            throw CLIError.failure("the KV cache no longer has the layout this picture draws "
                                                   + "(layer \(layer), head \(head), position \(position), element \(i))")
                        }
                    }
                }
            }
        }
        return layout
    }

    private func draw(_ layout: Layout) -> String {
        let d = layout.headDim, block = KeyBlocks.positions
        let rounded = layout.headStride / d
        var svg = SVGDocument(width: 960, height: 760)
        let name = source.url.deletingPathExtension().lastPathComponent
        svg.text("The KV cache of the \(name) model in memory", x: 24, y: 30, size: 17, bold: true)
        svg.text("\(layout.layers) layers × \(layout.heads) KV heads × \(d) floats (f32) per position, keys and values; "
                 + "drawn for a cache of \(Self.capacity) positions holding \(Self.filled)", x: 24, y: 50, color: PictureColor.note)
        svg.text("One block of memory reserved once for the whole context; pages become real only when a position "
                 + "is first written.", x: 24, y: 66, color: PictureColor.note)

        // 1. The whole cache.
        svg.text("1. The whole cache, in memory order (offsets in floats)", x: 24, y: 100, size: 14, bold: true)
        let stripX = 24.0, stripWidth = 912.0, stripY = 136.0
        let perFloat = stripWidth / Double(layout.total)
        for layer in 0..<layout.layers {
            let layerX = stripX + Double(layer * layout.layerStride) * perFloat
            let layerWidth = Double(layout.layerStride) * perFloat
            svg.text("layer \(layer)", x: layerX + layerWidth / 2, y: stripY - 10, anchor: .middle, size: 11, bold: true)
            svg.text("\(layer * layout.layerStride)", x: layerX, y: stripY + 42, anchor: .middle, size: 10, monospace: true)
            for (kind, offset) in [("k", 0), ("v", layout.valuesOffset)] {
                for head in 0..<layout.heads {
                    let x = stripX + Double(layer * layout.layerStride + offset + head * layout.headStride) * perFloat
                    let width = Double(layout.headStride) * perFloat
                    let highlighted = layer == 0 && head == 0
                    svg.rect(x: x, y: stripY, width: width, height: 28,
                             fill: kind == "k" ? (highlighted ? "#9ecae1" : "#dbe9f6") : (highlighted ? "#a1d99b" : "#e2f0d9"),
                             stroke: "#ffffff",
                             tip: "layer \(layer) \(kind == "k" ? "keys" : "values") of KV head \(head): floats "
                                + "\(layer * layout.layerStride + offset + head * layout.headStride) …")
                    svg.text("\(kind)\(head)", x: x + width / 2, y: stripY + 18, anchor: .middle, size: width < 22 ? 8 : 10)
                }
            }
        }
        svg.text("\(layout.total)", x: stripX + stripWidth, y: stripY + 42, anchor: .end, size: 10, monospace: true)
        svg.text("k0 … k\(layout.heads - 1): each KV head's keys, \(layout.headStride) floats = \(rounded) positions × \(d) "
                 + "(\(Self.capacity) rounded up to whole blocks of \(block)); v0 … v\(layout.heads - 1): its values, as many",
                 x: 24, y: stripY + 72, size: 11, color: PictureColor.note)

        // 2. One head's keys, block by block.
        keyBlocks(&svg, layout, y: 250)
        // 3. One head's values.
        values(&svg, layout, y: 614)
        return svg.text
    }

    /// Layer 0, head 0's keys: each block of eight positions as `headDim` rows of eight
    /// floats, the rows in memory order.
    private func keyBlocks(_ svg: inout SVGDocument, _ layout: Layout, y top: Double) {
        let d = layout.headDim, block = KeyBlocks.positions
        let blocks = layout.headStride / (d * block)
        svg.text("2. One KV head's keys (k0 of layer 0): blocks of \(block) positions, dimension-major (KeyBlocks)",
                 x: 24, y: top, size: 14, bold: true)
        svg.text("Memory runs along each row, then down: a row is dimension i of \(block) consecutive positions, "
                 + "exactly one SIMD8 load.", x: 24, y: top + 18, color: PictureColor.note)
        let cell = 24.0, rowHeight = 18.0
        let shownRows = [0, 1, 2, 3, d - 1]
        let gridY = top + 64
        for b in 0..<blocks {
            let gridX = 96 + Double(b) * (Double(block) * cell + 40)
            svg.text("block \(b): positions \(b * block) … \(b * block + block - 1)", x: gridX + Double(block) * cell / 2,
                     y: gridY - 24, anchor: .middle, size: 11, bold: true)
            for j in 0..<block {
                svg.text("p\(b * block + j)", x: gridX + (Double(j) + 0.5) * cell, y: gridY - 6, anchor: .middle, size: 9)
            }
            for (row, i) in shownRows.enumerated() {
                let y = gridY + Double(row) * rowHeight + (row == shownRows.count - 1 ? rowHeight : 0)
                if b == 0 {
                    svg.text("d\(i)", x: gridX - 44, y: y + 13, anchor: .end, size: 10)
                }
                let start = KeyBlocks.index(position: b * block, dimension: i, headDim: d)
                svg.text("+\(start)", x: gridX - 4, y: y + 13, anchor: .end, size: 9, color: PictureColor.note, monospace: true)
                for j in 0..<block {
                    let position = b * block + j
                    let offset = KeyBlocks.index(position: position, dimension: i, headDim: d)
                    let written = position < Self.filled
                    svg.rect(x: gridX + Double(j) * cell, y: y, width: cell, height: rowHeight,
                             fill: position >= Self.capacity ? "#f0f0f0" : (written ? (i == 2 ? "#6baed6" : "#dbe9f6") : "#ffffff"),
                             stroke: "#9ab",
                             tip: "key of position \(position), dimension \(i): float \(offset)")
                }
                if row == shownRows.count - 2 {
                    svg.text("⋮", x: gridX + Double(block) * cell / 2, y: y + rowHeight + 14, anchor: .middle)
                }
            }
        }
        let gridBottom = gridY + Double(shownRows.count + 1) * rowHeight
        var ly = gridBottom + 24
        for (color, text) in [("#dbe9f6", "written by the \(Self.filled)-token prompt"),
                              ("#ffffff", "reserved, not yet written"),
                              ("#f0f0f0", "padding: past the capacity of \(Self.capacity), never read")] {
            svg.rect(x: 96, y: ly - 10, width: 12, height: 12, fill: color, stroke: "#999999")
            svg.text(text, x: 114, y: ly, size: 11)
            ly += 18
        }
        // How attentionScores reads one row.
        let noteY = ly + 14
        svg.text("How attentionScores uses a block: for each dimension i, one load of row i (8 keys' element i), then for",
                 x: 24, y: noteY, size: 12)
        svg.text("each query head of the group a multiply-add with q[i] copied to all 8 lanes: 8 scores grow at once.",
                 x: 24, y: noteY + 16, size: 12)
        let group = source.params.nHeads / source.params.nKVHeads
        let rowY = noteY + 30
        svg.rect(x: 24, y: rowY, width: Double(block) * cell, height: rowHeight, fill: "#6baed6", stroke: "#9ab")
        svg.text("row d2 of block 0", x: 24 + Double(block) * cell / 2, y: rowY + 13, anchor: .middle, size: 10)
        svg.text("×  q_h[2] for each of the \(group) query heads h of KV head 0  →  +=", x: 24 + Double(block) * cell + 12,
                 y: rowY + 13, size: 11)
        let scoresX = 24 + Double(block) * cell + 370
        for j in 0..<block {
            svg.rect(x: scoresX + Double(j) * cell, y: rowY, width: cell, height: rowHeight, fill: PictureColor.attention, stroke: "#9ab")
            svg.text("s\(j)", x: scoresX + (Double(j) + 0.5) * cell, y: rowY + 13, anchor: .middle, size: 9)
        }
        svg.text("scores of positions 0 … 7", x: scoresX + Double(block) * cell + 8, y: rowY + 13, size: 11)
    }

    /// Layer 0, head 0's values: one position's `headDim` floats after another.
    private func values(_ svg: inout SVGDocument, _ layout: Layout, y top: Double) {
        let d = layout.headDim
        svg.text("3. One KV head's values (v0 of layer 0): one position after another", x: 24, y: top, size: 14, bold: true)
        svg.text("The weighted sum reads them in this order: position p's \(d) floats, times p's weight, added to the output.",
                 x: 24, y: top + 18, color: PictureColor.note)
        let cell = 14.0, shown = min(d, 48), rows = 4
        for p in 0..<rows {
            let y = top + 34 + Double(p) * 20
            svg.text("p\(p)", x: 80, y: y + 13, anchor: .end, size: 10)
            svg.text("+\(p * d)", x: 120, y: y + 13, anchor: .end, size: 9, color: PictureColor.note, monospace: true)
            for i in 0..<shown {
                svg.rect(x: 128 + Double(i) * cell, y: y, width: cell, height: 16, fill: "#e2f0d9", stroke: "#9b9",
                         tip: "value of position \(p), dimension \(i): float \(layout.valuesOffset + p * d + i)")
            }
            if shown < d {
                svg.text("… \(d - shown) more", x: 132 + Double(shown) * cell, y: y + 13, size: 10, color: PictureColor.note)
            }
        }
        svg.text("⋮", x: 70, y: top + 34 + Double(rows) * 20 + 10, anchor: .middle)
    }
}
