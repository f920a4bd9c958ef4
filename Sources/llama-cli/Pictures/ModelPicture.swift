// The whole model as one diagram: every step of a forward pass from token ids to logits,
// each weight with its shape and each activation with its shape, for one set of
// parameters (`llama-cli picture model`).

import Foundation
import LlamaLoader
import SVGWriter

/// Colours shared by the diagrams, one per kind of step.
enum PictureColor {
    /// Data that goes in or comes out: token ids, logits.
    static let data = "#f2f2f2"
    /// A matrix product with a weight.
    static let weight = "#dbe9f6"
    /// RMSNorm.
    static let norm = "#fdebd0"
    /// Attention's own arithmetic: RoPE, scores, softmax, mixing.
    static let attention = "#e2f0d9"
    /// Element-wise arithmetic: SiLU, products, residual sums.
    static let elementwise = "#ede7f6"
    /// The KV cache.
    static let cache = "#fff2cc"
    /// Secondary text: notes, legends.
    static let note = "#555555"
}

/// The forward pass of one model: ids to embeddings, the blocks (drawn once, with their
/// count), the final norm and the output head. Shapes use `T` for the tokens of one call
/// (the prompt in prefill, 1 in decode) and `P` for the positions the cache holds after it.
struct ModelPicture {
    let model: PictureModel

    /// Shape text such as `[T, 4096]`.
    private func shape(_ parts: Any...) -> String { SVGDocument.shape(parts.map { "\($0)" }) }

    var svg: String {
        let p = model.params
        let d = p.dim, hidden = p.ffnHiddenDim, hd = p.headDim
        let kvWidth = p.nKVHeads * hd, queryWidth = p.nHeads * hd
        var svg = SVGDocument(width: 960, height: 1130)
        svg.text("\(Self.capitalized(model.name)): the whole model, one forward pass over T tokens",
                 x: 24, y: 30, size: 17, bold: true)
        svg.text("dim \(d) · \(p.nLayers) layers · \(p.nHeads) query heads and \(p.nKVHeads) key/value heads of \(hd) · "
                 + "FFN hidden \(hidden) · vocabulary \(p.vocabSize)", x: 24, y: 50, color: PictureColor.note)
        svg.text("T: tokens in this call (the prompt, or 1 when decoding) · P: positions in the KV cache after it · "
                 + "weights are [out, in]", x: 24, y: 66, color: PictureColor.note)

        // The main column: boxes 300 wide centred on x = 330, joined by arrows that carry
        // the activation's shape.
        let center = 330.0, boxWidth = 300.0, left = center - boxWidth / 2
        func flow(_ y0: Double, _ y1: Double, _ label: String) {
            svg.line(from: (center, y0), to: (center, y1), arrow: true)
            svg.text(label, x: center + 8, y: (y0 + y1) / 2 + 4, monospace: true)
        }

        svg.box(x: left, y: 84, width: boxWidth, height: 36, fill: PictureColor.data,
                label: "token ids", detail: shape("T"))
        flow(120, 146, shape("T"))
        svg.box(x: left, y: 146, width: boxWidth, height: 40, fill: PictureColor.weight,
                label: "tok_embeddings: one row per id", detail: shape(p.vocabSize, d))
        flow(186, 222, "x " + shape("T", d))

        // One block, framed, with its count.
        let frameTop = 222.0, frameBottom = 884.0
        svg.rect(x: 40, y: frameTop, width: 880, height: frameBottom - frameTop, fill: "none",
                 stroke: "#888888", corner: 8, dashed: true)
        svg.text("× \(p.nLayers): layers.0 … layers.\(p.nLayers - 1), each the same steps on its own weights",
                 x: 904, y: frameTop + 20, anchor: .end, bold: true, color: "#333333")

        svg.box(x: left, y: 252, width: boxWidth, height: 40, fill: PictureColor.norm,
                label: "attention_norm (RMSNorm)", detail: "weight " + shape(d))
        svg.line(from: (center, 292), to: (center, 310))
        // q, k and v side by side.
        let projections: [(String, Int, String)] = [
            ("wq", queryWidth, "q " + shape("T", p.nHeads, hd)),
            ("wk", kvWidth, "k " + shape("T", p.nKVHeads, hd)),
            ("wv", kvWidth, "v " + shape("T", p.nKVHeads, hd)),
        ]
        svg.line(from: (center - 170, 310), to: (center + 170, 310))
        for (index, projection) in projections.enumerated() {
            let x = center - 170 + Double(index) * 170
            svg.line(from: (x, 310), to: (x, 326), arrow: true)
            svg.box(x: x - 75, y: 326, width: 150, height: 40, fill: PictureColor.weight,
                    label: projection.0, detail: shape(projection.1, d))
            if index < 2 { svg.line(from: (x, 366), to: (x, 398), arrow: true) }
            svg.text(projection.2, x: x + 6, y: 386, size: 11, monospace: true)
        }
        svg.box(x: center - 245, y: 398, width: 320, height: 34, fill: PictureColor.attention,
                label: "RoPE: rotate q and k by position")
        let cacheX = 640.0
        svg.box(x: cacheX, y: 398, width: 260, height: 70, fill: PictureColor.cache,
                label: "KV cache of this layer",
                detail: "k, v " + shape("P", p.nKVHeads, hd))
        svg.line(from: (center + 170, 366), to: (cacheX, 410), arrow: true)
        svg.line(from: (center + 75, 424), to: (cacheX, 438), arrow: true)
        svg.text("k and v appended at positions P−T … P−1", x: 640, y: 392, size: 10, color: PictureColor.note)
        svg.line(from: (cacheX, 460), to: (left + boxWidth, 470), arrow: true)
        svg.text("all P keys and values", x: cacheX - 10, y: 480, anchor: .end, size: 10, color: PictureColor.note)
        svg.line(from: (center - 85, 432), to: (center - 85, 450), arrow: true)
        svg.box(x: left, y: 450, width: boxWidth, height: 52, fill: PictureColor.attention,
                label: "attention, \(p.nHeads / p.nKVHeads) query heads per KV head",
                detail: "softmax(q·kᵀ/√\(hd) + mask) · v")
        flow(502, 530, shape("T", p.nHeads, hd) + " → " + shape("T", queryWidth))
        svg.box(x: left, y: 530, width: boxWidth, height: 40, fill: PictureColor.weight,
                label: "wo", detail: shape(d, queryWidth))
        flow(570, 592, shape("T", d))
        residual(&svg, y: 592, center: center, from: 238, label: "h = x + attention " + shape("T", d))

        svg.box(x: left, y: 626, width: boxWidth, height: 40, fill: PictureColor.norm,
                label: "ffn_norm (RMSNorm)", detail: "weight " + shape(d))
        svg.line(from: (center, 666), to: (center, 680))
        svg.line(from: (center - 95, 680), to: (center + 95, 680))
        for (index, name) in ["w1", "w3"].enumerated() {
            let x = center - 95 + Double(index) * 190
            svg.line(from: (x, 680), to: (x, 694), arrow: true)
            svg.box(x: x - 80, y: 694, width: 160, height: 40, fill: PictureColor.weight,
                    label: name, detail: shape(hidden, d))
            svg.line(from: (x, 734), to: (x, 766), arrow: true)
            svg.text(shape("T", hidden), x: x + 6, y: 754, size: 11, monospace: true)
        }
        svg.box(x: left, y: 766, width: boxWidth, height: 36, fill: PictureColor.elementwise,
                label: "silu(w1 x) ⊙ (w3 x)")
        flow(802, 822, shape("T", hidden))
        svg.box(x: left, y: 822, width: boxWidth, height: 40, fill: PictureColor.weight,
                label: "w2", detail: shape(d, hidden))
        svg.line(from: (center, 862), to: (center, 868))
        residual(&svg, y: 868, center: center, from: 610, label: "out = h + feed_forward " + shape("T", d))
        flow(884, 908, "")

        svg.box(x: left, y: 908, width: boxWidth, height: 40, fill: PictureColor.norm,
                label: "norm (RMSNorm)", detail: "weight " + shape(d))
        flow(948, 972, shape("T", d))
        svg.box(x: left, y: 972, width: boxWidth, height: 40, fill: PictureColor.weight,
                label: model.hasTiedOutput ? "output = tok_embeddings (tied)" : "output",
                detail: shape(p.vocabSize, d))
        flow(1012, 1036, "logits " + shape("T", p.vocabSize))
        svg.text("decoding keeps only the last row: the next token's scores", x: center, y: 1052,
                 anchor: .middle, color: PictureColor.note)

        // What the weights add up to.
        let count = Self.parameterCount(p, tied: model.hasTiedOutput)
        svg.text("parameters: \(Self.grouped(count)) (\(Self.bytes(2 * count)) in bf16)",
                 x: 640, y: 960, bold: true)
        svg.text("per layer: \(Self.grouped(Self.layerParameterCount(p)))", x: 640, y: 978, color: PictureColor.note)
        let cacheFloats = 2 * p.nLayers * kvWidth
        svg.text("KV cache: \(Self.grouped(cacheFloats)) floats (\(Self.grouped(cacheFloats * 4 / 1024)) KiB) per position",
                 x: 640, y: 996, color: PictureColor.note)
        legend(&svg, y: 1080)
        return svg.text
    }

    /// The ⊕ of a residual connection at `y`: the stream that skipped the sub-block comes
    /// in from the left (it left the main column at `from`), and the sum goes on down.
    private func residual(_ svg: inout SVGDocument, y: Double, center: Double, from top: Double, label: String) {
        let bypass = 56.0
        svg.polyline([(center, top), (bypass, top), (bypass, y + 8), (center - 9, y + 8)], color: "#888888", width: 1.2)
        svg.circle(x: center, y: y + 8, radius: 9, fill: "#ffffff", stroke: "#444444")
        svg.text("+", x: center, y: y + 13, anchor: .middle, size: 15, bold: true)
        svg.text(label, x: center + 16, y: y + 12, monospace: true)
    }

    /// What each colour stands for.
    private func legend(_ svg: inout SVGDocument, y: Double) {
        let items = [(PictureColor.weight, "matrix product with a weight"), (PictureColor.norm, "RMSNorm"),
                     (PictureColor.attention, "attention arithmetic"), (PictureColor.elementwise, "element-wise"),
                     (PictureColor.cache, "KV cache"), (PictureColor.data, "input / output")]
        var x = 24.0
        for (color, text) in items {
            svg.rect(x: x, y: y, width: 14, height: 14, fill: color, stroke: "#555555")
            svg.text(text, x: x + 20, y: y + 11)
            x += 44 + Double(text.count) * 6.6
        }
    }

    /// Weights of one block: four attention projections, three feed-forward matrices, two
    /// norm vectors.
    static func layerParameterCount(_ p: ModelParams) -> Int {
        let d = p.dim, queryWidth = p.nHeads * p.headDim, kvWidth = p.nKVHeads * p.headDim
        return 2 * d * queryWidth + 2 * d * kvWidth + 3 * d * p.ffnHiddenDim + 2 * d
    }

    /// Every weight: embeddings, the blocks, the final norm and (unless tied) the output head.
    static func parameterCount(_ p: ModelParams, tied: Bool) -> Int {
        p.vocabSize * p.dim * (tied ? 1 : 2) + p.nLayers * layerParameterCount(p) + p.dim
    }

    /// `8030261248` as `8,030,261,248`.
    static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result += "," }
            result.append(digit)
        }
        return result
    }

    /// Bytes in GB (10⁹), or in MB below 1 GB, with one decimal.
    static func bytes(_ count: Int) -> String {
        count < 1_000_000_000 ? String(format: "%.1f MB", Double(count) / 1e6)
                              : String(format: "%.1f GB", Double(count) / 1e9)
    }

    /// "the demo model" as a title's start: "The demo model".
    static func capitalized(_ text: String) -> String {
        text.prefix(1).uppercased() + text.dropFirst()
    }
}
