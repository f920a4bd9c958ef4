// Rotary position embedding as a picture (`llama-cli picture rope`): one pair of a key's
// dimensions turning with position, and every pair's wavelength before and after Llama
// 3.1's frequency scaling.
//
// The angles are not computed here from the formula. They are measured through the
// model's own RoPE: a one-layer model with these parameters, whose wk is the identity,
// embeds every token as the same vector (1, 0, 1, 0, ...), and the trace of its keys after
// rotation gives each pair's angle at each position. So the picture shows what
// RotaryEmbedding and applyRotaryEmbedding do, scaling included.

import Foundation
import LlamaLoader
import LlamaModel
import LlamaTensor
import SVGWriter

/// The rotation angles of one head's pairs at positions `0..<positions`, as the model
/// applies them.
struct MeasuredRotation {
    /// `angles[p][i]`: the angle in radians, in (−π, π], by which position `p` turns pair `i`.
    let angles: [[Double]]

    /// Runs the one-layer probe model described in the file's header.
    /// - Parameters:
    ///   - params: The RoPE parameters (`headDim`, `ropeTheta`, scaling) to measure.
    ///   - scaled: Whether Llama 3.1's scaling is on (the rest of `params` is kept).
    init(params: ModelParams, scaled: Bool, positions: Int) throws {
        let d = params.headDim
        let probe = ModelParams(dim: d, nLayers: 1, nHeads: 1, nKVHeads: 1, vocabSize: 1, multipleOf: 32,
                                normEps: params.normEps, ropeTheta: params.ropeTheta, useScaledRope: scaled,
                                ropeScaling: params.ropeScaling)
        try probe.validate()
        let hidden = probe.ffnHiddenDim
        let identity = (0..<(d * d)).map { $0 / d == $0 % d ? Float(1) : 0 }
        let key = CheckpointKeys.layer(0)
        let tensors: [String: Tensor] = [
            CheckpointKeys.tokEmbeddings: try Tensor((0..<d).map { $0 % 2 == 0 ? 1 : 0 }, shape: [1, d]),
            key.attentionNorm: try Tensor([Float](repeating: 1, count: d), shape: [d]),
            key.wq: Tensor(zeros: [d, d]), key.wk: try Tensor(identity, shape: [d, d]),
            key.wv: Tensor(zeros: [d, d]), key.wo: Tensor(zeros: [d, d]),
            key.ffnNorm: try Tensor([Float](repeating: 1, count: d), shape: [d]),
            key.w1: Tensor(zeros: [hidden, d]), key.w2: Tensor(zeros: [d, hidden]), key.w3: Tensor(zeros: [hidden, d]),
            CheckpointKeys.norm: try Tensor([Float](repeating: 1, count: d), shape: [d]),
            CheckpointKeys.output: Tensor(zeros: [1, d]),
        ]
        let weights = try ModelWeights(params: probe, source: "RoPE probe") { tensors[$0] }
        let transformer = try Transformer(weights: weights, params: probe, contextLength: positions, threadCount: 1,
                                          batchSize: positions)
        let recorder = TraceRecorder()
        transformer.observer = recorder
        try transformer.forward([Int32](repeating: 0, count: positions), startingAt: 0)
        transformer.observer = nil
        guard let keys = recorder.steps.first(where: { $0.name == "attention.rope.xk" }),
              keys.values.count == positions * d else {
            throw CLIError.failure("the RoPE probe reported no rotated keys")
        }
        angles = (0..<positions).map { p in
            (0..<(d / 2)).map { i in
                atan2(Double(keys.values[p * d + 2 * i + 1]), Double(keys.values[p * d + 2 * i]))
            }
        }
    }

    /// Each pair's angle per position, read at position 1 (every frequency is at most
    /// 1 radian per position, so it has not wrapped around yet).
    var frequencies: [Double] { angles[1] }
}

/// The two panels: a few pairs turning over the first positions, and the wavelength
/// `2π / frequency` of every pair on a logarithmic scale, before and after scaling.
struct RopePicture {
    let model: PictureModel

    /// Positions drawn in the rotation panel.
    static let positions = 7

    var svg: String {
        get throws {
            let p = model.params, pairs = p.headDim / 2
            let scaled = try MeasuredRotation(params: p, scaled: p.useScaledRope, positions: Self.positions)
            let plain = try MeasuredRotation(params: p, scaled: false, positions: 2)
            var svg = SVGDocument(width: 960, height: 820)
            svg.text("RoPE in \(model.name): each pair of a head's \(p.headDim) dimensions turns with position",
                     x: 24, y: 30, size: 17, bold: true)
            svg.text("Measured through the model's own RoPE: a one-layer probe whose wk is the identity rotates the key "
                     + "(1, 0, 1, 0, …) at every position.", x: 24, y: 50, color: PictureColor.note)

            svg.text("1. Pair i of a query or key turns by p · θᵢ at position p (θ_base = \(Self.plain(p.ropeTheta)))",
                     x: 24, y: 84, size: 14, bold: true)
            let chosen = [0, pairs / 16, pairs / 8]
            for (index, pair) in chosen.enumerated() {
                circle(&svg, pair: pair, angles: scaled.angles.map { $0[pair] }, x: 170 + Double(index) * 310, y: 210)
            }
            try bands(&svg, pairs: pairs, plain: plain.frequencies, scaled: scaled.frequencies, y: 404)
            return svg.text
        }
    }

    /// One pair as a unit vector at each position, turning anticlockwise, with the
    /// position at its tip.
    private func circle(_ svg: inout SVGDocument, pair: Int, angles: [Double], x: Double, y: Double) {
        let radius = 92.0
        svg.circle(x: x, y: y, radius: radius, fill: "none", stroke: "#bbbbbb")
        svg.line(from: (x - radius - 8, y), to: (x + radius + 8, y), color: "#dddddd", width: 1)
        svg.line(from: (x, y - radius - 8), to: (x, y + radius + 8), color: "#dddddd", width: 1)
        for (position, angle) in angles.enumerated() {
            let fade = Double(position) / Double(max(angles.count - 1, 1))
            let color = String(format: "#%02x%02x%02x", Int(33 + 150 * fade), Int(102 + 100 * fade), Int(172 + 60 * fade))
            let tip = (x + radius * cos(angle), y - radius * sin(angle))
            svg.line(from: (x, y), to: tip, color: color, width: 1.6, arrow: position == 0)
            svg.circle(x: tip.0, y: tip.1, radius: 3, fill: color,
                       tip: String(format: "position %d: %.4f rad", position, angle))
            let label = (x + (radius + 14) * cos(angle), y - (radius + 14) * sin(angle) + 4)
            svg.text("\(position)", x: label.0, y: label.1, anchor: .middle, size: 11, bold: position == 0)
        }
        let theta = angles.count > 1 ? angles[1] : 0
        svg.text("pair \(pair) (dimensions \(2 * pair), \(2 * pair + 1))", x: x, y: y + radius + 34, anchor: .middle, bold: true)
        svg.text(String(format: "θ = %.4g rad per position", theta),
                 x: x, y: y + radius + 50, anchor: .middle, size: 11, color: PictureColor.note)
        svg.text(String(format: "a full turn every %.4g positions", 2 * Double.pi / theta),
                 x: x, y: y + radius + 64, anchor: .middle, size: 11, color: PictureColor.note)
    }

    /// Every pair's wavelength, unscaled (hollow) and as the model uses it (filled), with
    /// the bands Llama 3.1's scaling treats differently.
    private func bands(_ svg: inout SVGDocument, pairs: Int, plain: [Double], scaled: [Double], y top: Double) throws {
        let p = model.params, scaling = p.ropeScaling
        svg.text("2. The wavelength of every pair, 2π / θᵢ positions"
                 + (p.useScaledRope ? ", before and after Llama 3.1's scaling" : " (this model does not scale RoPE)"),
                 x: 24, y: top, size: 14, bold: true)
        let wavelengths = plain.map { 2 * Double.pi / $0 }, used = scaled.map { 2 * Double.pi / $0 }
        let largest = (wavelengths + used).max() ?? 10
        let decades = max(2, Int(log10(largest).rounded(.up)))
        let plotX = 100.0, plotY = top + 24, plotWidth = 520.0, plotHeight = 330.0
        func px(_ pair: Int) -> Double { plotX + (Double(pair) + 0.5) * plotWidth / Double(pairs) }
        func py(_ wavelength: Double) -> Double { plotY + plotHeight * (1 - log10(wavelength) / Double(decades)) }

        // The bands, from the scaling's constants.
        let highWavelength = Double(scaling.originalContextLength) / scaling.highFreqFactor
        let lowWavelength = Double(scaling.originalContextLength) / scaling.lowFreqFactor
        if p.useScaledRope {
            svg.rect(x: plotX, y: py(lowWavelength), width: plotWidth, height: py(highWavelength) - py(lowWavelength),
                     fill: "#fff2cc")
            svg.rect(x: plotX, y: plotY, width: plotWidth, height: py(lowWavelength) - plotY, fill: "#fbe5d6")
        }
        for decade in 0...decades {
            let yy = py(pow(10, Double(decade)))
            svg.line(from: (plotX, yy), to: (plotX + plotWidth, yy), color: "#e6e6e6", width: 1)
            svg.text(decade == 0 ? "1" : "10" + Self.superscript(decade), x: plotX - 8, y: yy + 4, anchor: .end, size: 11)
        }
        svg.rect(x: plotX, y: plotY, width: plotWidth, height: plotHeight, fill: "none", stroke: "#888888")
        let step = max(1, pairs / 8)
        for pair in stride(from: 0, to: pairs, by: step) {
            svg.text("\(pair)", x: px(pair), y: plotY + plotHeight + 16, anchor: .middle, size: 11)
        }
        svg.text("pair i", x: plotX + plotWidth / 2, y: plotY + plotHeight + 34, anchor: .middle)
        svg.text("wavelength (positions)", x: plotX - 62, y: plotY + plotHeight / 2, anchor: .middle, rotation: -90)

        if p.useScaledRope {
            svg.line(from: (plotX, py(highWavelength)), to: (plotX + plotWidth, py(highWavelength)), color: "#b08800", dashed: true)
            svg.line(from: (plotX, py(lowWavelength)), to: (plotX + plotWidth, py(lowWavelength)), color: "#c55a11", dashed: true)
        }
        for pair in 0..<pairs {
            svg.circle(x: px(pair), y: py(wavelengths[pair]), radius: 3.5, fill: "#ffffff", stroke: "#888888",
                       tip: String(format: "pair %d unscaled: %.6g positions", pair, wavelengths[pair]))
            svg.circle(x: px(pair), y: py(used[pair]), radius: 2.5, fill: "#2166ac",
                       tip: String(format: "pair %d as used: %.6g positions", pair, used[pair]))
        }

        // The legend and what the bands mean.
        let lx = plotX + plotWidth + 24
        var ly = plotY + 10
        svg.circle(x: lx + 5, y: ly - 4, radius: 3.5, fill: "#ffffff", stroke: "#888888")
        svg.text("unscaled: θᵢ = θ_base^(−2i/\(p.headDim))", x: lx + 16, y: ly)
        ly += 20
        svg.circle(x: lx + 5, y: ly - 4, radius: 2.5, fill: "#2166ac")
        svg.text(p.useScaledRope ? "as the model uses it (scaled)" : "as the model uses it", x: lx + 16, y: ly)
        guard p.useScaledRope else { return }
        let kept = zip(plain, scaled).filter { $0 == $1 }.count
        let slowed = zip(plain, scaled).filter { abs($0 / $1 - scaling.factor) < 1e-3 * scaling.factor }.count
        ly += 34
        let lines: [(String?, String, Bool)] = [
            (nil, "Llama 3.1's scaling (apply_scaling):", true),
            ("#fbe5d6", "longer than \(Self.plain(lowWavelength)): slowed \(Self.plain(scaling.factor))×, \(Self.pairs(slowed))", false),
            ("#fff2cc", "\(Self.plain(highWavelength)) to \(Self.plain(lowWavelength)): blended, \(Self.pairs(pairs - kept - slowed))", false),
            ("#ffffff", "shorter than \(Self.plain(highWavelength)): kept, \(Self.pairs(kept))", false),
            (nil, "\(Self.plain(lowWavelength)) = context \(scaling.originalContextLength) / low_freq_factor \(Self.plain(scaling.lowFreqFactor))", false),
            (nil, "\(Self.plain(highWavelength)) = context \(scaling.originalContextLength) / high_freq_factor \(Self.plain(scaling.highFreqFactor))", false),
        ]
        for (color, text, bold) in lines {
            if let color { svg.rect(x: lx, y: ly - 10, width: 12, height: 12, fill: color, stroke: "#999999") }
            svg.text(text, x: lx + (color == nil ? 0 : 18), y: ly, size: 11, bold: bold,
                     color: color == nil && !bold ? PictureColor.note : nil)
            ly += 18
        }
        ly += 10
        let context = scaling.originalContextLength, stretched = Int(scaling.factor * Double(context))
        for text in ["Slowed \(Self.plain(scaling.factor))×, a long-wavelength pair turns at position",
                     "\(stretched) only as far as it did at \(context)",
                     "before scaling: within what training showed."] {
            svg.text(text, x: lx, y: ly, size: 11, color: PictureColor.note)
            ly += 16
        }
    }

    /// A number without a fractional part when it has none: 500000, 8192, 2.5, 6.28.
    static func plain(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(format: "%.3g", value)
    }

    /// "1 pair", "6 pairs".
    static func pairs(_ count: Int) -> String { count == 1 ? "1 pair" : "\(count) pairs" }

    /// `n` in superscript digits.
    static func superscript(_ n: Int) -> String {
        let digits: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
        return String(String(n).compactMap { $0.wholeNumberValue.map { digits[$0] } })
    }
}
