// Attention's shapes from input to output, for one set of parameters
// (`llama-cli picture attention-shapes`): the projections, the grouped-query head groups,
// and one head's scores, causal mask, softmax and mix.

import Foundation
import LlamaLoader
import SVGWriter

/// One attention call as the model code runs it: `T` new tokens at positions `P − T ..< P`
/// project to queries, keys and values, rotate, append to the cache, and each query head
/// scores, masks, normalizes and mixes the `P` cached positions of its KV head.
struct AttentionShapesPicture {
    let model: PictureModel

    /// The example the mask is drawn for: this many new tokens after this many cached ones.
    static let exampleTokens = 4, exampleCached = 3

    /// Shape text such as `[T, 32, 128]`.
    private func shape(_ parts: Any...) -> String { SVGDocument.shape(parts.map { "\($0)" }) }

    var svg: String {
        let p = model.params
        let hd = p.headDim, heads = p.nHeads, kvHeads = p.nKVHeads, group = heads / kvHeads
        var svg = SVGDocument(width: 960, height: 870)
        svg.text("Attention in \(model.name): T new tokens read P cached positions", x: 24, y: 30, size: 17, bold: true)
        svg.text("\(heads) query heads and \(kvHeads) key/value heads of \(hd) · the new tokens sit at positions P−T … P−1 · "
                 + "weights are [out, in]", x: 24, y: 50, color: PictureColor.note)

        // 1. Project, rotate, cache.
        svg.text("1. Project, rotate, cache", x: 24, y: 84, size: 14, bold: true)
        svg.box(x: 24, y: 130, width: 130, height: 56, fill: PictureColor.norm, label: "x (normalized)",
                detail: shape("T", p.dim))
        let rows: [(String, Int, String, String, Bool)] = [
            ("wq", heads * hd, "q", shape("T", heads, hd), true),
            ("wk", kvHeads * hd, "k", shape("T", kvHeads, hd), true),
            ("wv", kvHeads * hd, "v", shape("T", kvHeads, hd), false),
        ]
        for (index, row) in rows.enumerated() {
            let y = 96 + Double(index) * 62
            svg.line(from: (154, 158), to: (196, y + 20), arrow: true)
            svg.box(x: 196, y: y, width: 140, height: 40, fill: PictureColor.weight, label: row.0,
                    detail: shape(row.1, p.dim))
            svg.line(from: (336, y + 20), to: (368, y + 20), arrow: true)
            svg.box(x: 368, y: y, width: 150, height: 40, fill: PictureColor.data, label: row.2,
                    detail: row.3)
            if row.4 {
                svg.line(from: (518, y + 20), to: (546, y + 20), arrow: true)
                svg.box(x: 546, y: y, width: 96, height: 40, fill: PictureColor.attention, label: "RoPE",
                        detail: "by position")
            }
        }
        svg.text("q " + shape("T", heads * hd) + " read as " + shape("T", heads, hd) + ": a view, not a copy",
                 x: 368, y: 288, size: 11, color: PictureColor.note)
        svg.box(x: 700, y: 132, width: 236, height: 78, fill: PictureColor.cache, label: "KV cache of this layer",
                detail: "keys, values " + shape("P", kvHeads, hd))
        svg.text("rows P−T … P−1 are the new ones", x: 818, y: 226, anchor: .middle, size: 11, color: PictureColor.note)
        svg.line(from: (642, 178), to: (700, 178), arrow: true)
        svg.polyline([(518, 240), (670, 240), (670, 198), (700, 198)], color: "#444444", width: 1.2)
        svg.line(from: (690, 198), to: (700, 198), arrow: true)
        // q goes on to the scores.
        svg.polyline([(642, 116), (672, 116)], color: "#444444", width: 1.2)
        svg.text("q to step 3", x: 676, y: 120, size: 11, color: PictureColor.note)

        // 2. Which query heads read which KV head.
        svg.text("2. Grouped-query attention: \(group) query heads share each key/value head", x: 24, y: 328,
                 size: 14, bold: true)
        svg.text("query head h reads KV head h / \(group) (Meta's repeat_kv copies each KV head \(group) times; "
                 + "the code reads it once for its group)", x: 24, y: 346, color: PictureColor.note)
        let span = 912.0 / Double(heads), cell = min(26.0, span - 2)
        let queryY = 376.0, kvY = 456.0
        svg.text("query heads", x: 24, y: queryY - 5, size: 11, color: PictureColor.note)
        // Each query head is centred in its share of the width, each KV head under its group.
        func kvCenter(_ g: Int) -> Double { 24 + (Double(g * group) + Double(group) / 2) * span }
        for h in 0..<heads {
            let x = 24 + Double(h) * span + (span - cell) / 2
            let g = h / group
            svg.rect(x: x, y: queryY, width: cell, height: 24, fill: Self.hue(g, of: kvHeads), stroke: "#555555",
                     tip: "query head \(h) → KV head \(g)")
            svg.text("\(h)", x: x + cell / 2, y: queryY + 16, anchor: .middle, size: cell < 20 ? 9 : 11)
            svg.line(from: (x + cell / 2, queryY + 24), to: (kvCenter(g), kvY), color: "#777777", width: 1)
        }
        for g in 0..<kvHeads {
            let width = max(cell, Double(group) * span - 8)
            svg.rect(x: kvCenter(g) - width / 2, y: kvY, width: width, height: 24, fill: Self.hue(g, of: kvHeads),
                     stroke: "#333333")
            svg.text("KV \(g)", x: kvCenter(g), y: kvY + 16, anchor: .middle, size: 11, bold: true)
        }
        svg.text("KV heads", x: 24, y: kvY + 40, size: 11, color: PictureColor.note)

        // 3. One query head, start to end.
        svg.text("3. One query head h, with KV head g = h / \(group)", x: 24, y: 522, size: 14, bold: true)
        let stepY = 540.0
        let steps: [(String, String, String)] = [
            ("scores", shape("T", "P"), "q_h · K_gᵀ / √\(hd)"),
            ("+ mask", shape("T", "P"), "−∞ after each token's own position"),
            ("softmax", shape("T", "P"), "each row sums to 1"),
            ("mix", shape("T", hd), "weights · V_g"),
        ]
        for (index, step) in steps.enumerated() {
            let x = 24 + Double(index) * 232
            svg.box(x: x, y: stepY, width: 196, height: 44, fill: PictureColor.attention, label: step.0, detail: step.1)
            svg.text(step.2, x: x + 98, y: stepY + 60, anchor: .middle, size: 11, color: PictureColor.note)
            if index < steps.count - 1 { svg.line(from: (x + 196, stepY + 22), to: (x + 232, stepY + 22), arrow: true) }
        }
        svg.text("q_h " + shape("T", hd) + ", K_g and V_g " + shape("P", hd) + " (the cache's rows of KV head g)",
                 x: 24, y: stepY + 84, size: 11, monospace: true)
        mask(&svg, x: 24, y: 648)

        // 4. The heads back together.
        svg.text("4. Heads back together", x: 520, y: 668, size: 14, bold: true)
        svg.box(x: 520, y: 684, width: 190, height: 44, fill: PictureColor.data, label: "\(heads) heads' outputs",
                detail: shape("T", heads, hd))
        svg.line(from: (615, 728), to: (615, 750), arrow: true)
        svg.text("→ " + shape("T", heads * hd), x: 622, y: 744, size: 11, monospace: true)
        svg.box(x: 520, y: 750, width: 190, height: 44, fill: PictureColor.weight, label: "wo",
                detail: shape(p.dim, heads * hd))
        svg.line(from: (710, 772), to: (746, 772), arrow: true)
        svg.box(x: 746, y: 750, width: 190, height: 44, fill: PictureColor.data, label: "attention output",
                detail: shape("T", p.dim))
        svg.text("added to the residual stream x", x: 841, y: 812, anchor: .middle, size: 11, color: PictureColor.note)
        return svg.text
    }

    /// The causal mask for the example: rows are the new tokens, columns every cached
    /// position; a token sees the cached positions and the new ones up to itself.
    private func mask(_ svg: inout SVGDocument, x: Double, y: Double) {
        let t = Self.exampleTokens, cached = Self.exampleCached, positions = t + cached, c = 26.0
        svg.text("the mask for T = \(t) new tokens after \(cached) cached ones (P = \(positions))", x: x, y: y + 14,
                 size: 12, bold: true)
        let gridX = x + 110, gridY = y + 44
        for column in 0..<positions {
            svg.text("\(column)", x: gridX + Double(column) * c + c / 2, y: gridY - 6, anchor: .middle, size: 10)
        }
        svg.text("key position →", x: gridX + Double(positions) * c + 8, y: gridY - 6, size: 10, color: PictureColor.note)
        for row in 0..<t {
            let position = cached + row
            svg.text("token at \(position)", x: gridX - 8, y: gridY + Double(row) * c + 17, anchor: .end, size: 10)
            for column in 0..<positions {
                let visible = column <= position
                svg.rect(x: gridX + Double(column) * c, y: gridY + Double(row) * c, width: c, height: c,
                         fill: visible ? (column < cached ? PictureColor.cache : PictureColor.attention) : "#d9d9d9",
                         stroke: "#ffffff")
                if !visible {
                    svg.text("−∞", x: gridX + Double(column) * c + c / 2, y: gridY + Double(row) * c + 17,
                             anchor: .middle, size: 10, color: "#777777")
                }
            }
        }
        let legendY = gridY + Double(t) * c + 20
        for (index, item) in [(PictureColor.cache, "cached position"), (PictureColor.attention, "new position"),
                              ("#d9d9d9", "masked: a later token")].enumerated() {
            let lx = x + Double(index) * 150
            svg.rect(x: lx, y: legendY - 10, width: 12, height: 12, fill: item.0, stroke: "#999999")
            svg.text(item.1, x: lx + 17, y: legendY, size: 11)
        }
        svg.text("Meta's model.py adds the −∞ mask; this code computes only the visible scores, which is the same.",
                 x: x, y: legendY + 24, size: 11, color: PictureColor.note)
    }

    /// A light colour for KV head `g` of `count`, evenly around the hue circle.
    static func hue(_ g: Int, of count: Int) -> String {
        let h = Double(g) / Double(max(count, 1)) * 6
        let sector = Int(h) % 6, f = h - Double(Int(h))
        // Saturation 0.35, value 0.97: pale enough for black text.
        let v = 0.97, low = v * (1 - 0.35), falling = v * (1 - 0.35 * f), rising = v * (1 - 0.35 * (1 - f))
        let (r, g, b): (Double, Double, Double)
        switch sector {
        case 0: (r, g, b) = (v, rising, low)
        case 1: (r, g, b) = (falling, v, low)
        case 2: (r, g, b) = (low, v, rising)
        case 3: (r, g, b) = (low, falling, v)
        case 4: (r, g, b) = (rising, low, v)
        default: (r, g, b) = (v, low, falling)
        }
        return String(format: "#%02x%02x%02x", Int((r * 255).rounded()), Int((g * 255).rounded()), Int((b * 255).rounded()))
    }
}
