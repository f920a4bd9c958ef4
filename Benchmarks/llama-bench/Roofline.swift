// `llama-bench roofline`: the roofline picture drawn from llama-bench's own JSON: the
// read-bandwidth and compute roofs that `kernels` measures, our kernels as points, and
// (from `compare --format json`) our prefill and decode beside llama.cpp's on the same
// file. Explained in the Performance chapter.

import Foundation
import LlamaTensor
import SVGWriter

/// The roofline model of one machine: a step runs at most at `min(bandwidth × intensity,
/// compute)`, where intensity is multiply-adds per byte of weights read. Decode reads
/// every weight for one token (under 2 multiply-adds per byte), so it sits on the
/// bandwidth slope; prefill reuses each weight for every prompt token and can reach the
/// compute roof.
struct Roofline {
    /// One measured run.
    struct Point {
        /// Which marker: our kernel alone, our whole model, or llama.cpp's.
        enum Kind { case kernel, ours, llamaCpp }
        let kind: Kind
        let label: String
        /// Multiply-adds per byte of weights read.
        let intensity: Double
        /// 10⁹ multiply-adds per second.
        let rate: Double
    }

    /// The best read bandwidth of the reports, in GB/s.
    let bandwidth: Double
    /// The compute roof of the kernels report, in 10⁹ multiply-adds per second.
    let compute: Double
    /// The kernels' variant and thread count, for the subtitle.
    let machine: String
    /// The model files of the compare report, for the subtitle.
    let models: [String]
    let points: [Point]

    /// What the reports say, read from `llama-bench kernels` (one object) and `llama-bench
    /// compare --format json` (an array of models).
    private struct KernelsReport: Decodable {
        struct Vector: Decodable { let shape: [Int]; let dtype: String; let milliseconds: Double }
        struct Product: Decodable {
            let shape: [Int]; let dtype: String?; let tokens: Int; let gmacs: Double
        }
        let threads: Int
        let instructionSet: String
        let readBandwidthGBps: Double
        let computeRoofGMACs: Double
        let matrixVector: [Vector]
        let matrixMatrix: [Product]

        enum CodingKeys: String, CodingKey {
            case threads, instructionSet = "instruction_set", readBandwidthGBps = "read_bandwidth_gbps"
            case computeRoofGMACs = "compute_roof_gmacs", matrixVector = "matrix_vector", matrixMatrix = "matrix_matrix"
        }
    }

    /// What went wrong reading the reports.
    struct InputError: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads the reports; exactly one must be a `kernels` report (it holds the compute roof).
    init(reports: [Data]) throws {
        var kernels: KernelsReport?
        var models: [CompareBenchmark.Result] = []
        for data in reports {
            if let report = try? JSONDecoder().decode(KernelsReport.self, from: data) {
                guard kernels == nil else { throw InputError(description: "roofline takes one kernels report") }
                kernels = report
            } else if let report = try? JSONDecoder().decode([CompareBenchmark.Result].self, from: data) {
                models += report
            } else {
                throw InputError(description: "expected the JSON of `llama-bench kernels` or `llama-bench compare --format json`")
            }
        }
        guard let kernels else { throw InputError(description: "roofline needs the JSON of `llama-bench kernels` for the roofs") }
        bandwidth = ([kernels.readBandwidthGBps] + models.map(\.readBandwidthGBps)).max() ?? kernels.readBandwidthGBps
        compute = kernels.computeRoofGMACs
        machine = "\(kernels.instructionSet) kernels, \(kernels.threads) thread\(kernels.threads == 1 ? "" : "s")"
        self.models = models.map(\.model)

        var points: [Point] = []
        // Decode's loop: one point per type, the faster of its shapes.
        var bestByType: [String: (intensity: Double, rate: Double)] = [:]
        var order: [String] = []
        for run in kernels.matrixVector {
            guard let dtype = DType(rawValue: run.dtype), run.shape.count == 2, run.milliseconds > 0 else { continue }
            let weights = run.shape[0] * run.shape[1]
            let intensity = Double(weights) / Double(dtype.byteCount(elements: weights))
            let rate = Double(weights) / (run.milliseconds * 1e6)
            if bestByType[run.dtype] == nil { order.append(run.dtype) }
            if rate > bestByType[run.dtype]?.rate ?? 0 { bestByType[run.dtype] = (intensity, rate) }
        }
        for dtype in order {
            if let best = bestByType[dtype] {
                points.append(Point(kind: .kernel, label: "\(dtype) matrix × vector", intensity: best.intensity, rate: best.rate))
            }
        }
        // Prefill's loop.
        for run in kernels.matrixMatrix {
            guard let dtype = DType(rawValue: run.dtype ?? "bf16"), run.shape.count == 2 else { continue }
            let weights = run.shape[0] * run.shape[1]
            points.append(Point(kind: .kernel, label: "\(dtype) \(run.shape[0])×\(run.shape[1]) × \(run.tokens) tokens",
                                intensity: Double(run.tokens * weights) / Double(dtype.byteCount(elements: weights)),
                                rate: run.gmacs))
        }
        // Whole models: decode reads the weights once per token, prefill once per prompt.
        for model in models {
            let perToken = Double(model.multiplyAddsPerToken) / Double(model.weightBytesPerToken)
            let name = model.weights
            let sides: [(Point.Kind, String, CompareBenchmark.Rates?)] = [(.ours, "ours", model.ours), (.llamaCpp, "llama.cpp", model.llamaCpp)]
            for (kind, side, rates) in sides {
                guard let rates else { continue }
                points.append(Point(kind: kind, label: "\(side) decode, \(name)", intensity: perToken,
                                    rate: rates.decodeTokensPerSecond * Double(model.multiplyAddsPerToken) / 1e9))
                points.append(Point(kind: kind, label: "\(side) prefill \(model.promptTokens), \(name)",
                                    intensity: perToken * Double(model.promptTokens),
                                    rate: rates.prefillTokensPerSecond * Double(model.multiplyAddsPerToken) / 1e9))
            }
        }
        self.points = points
    }

    /// The attainable rate at `intensity`: the lower roof.
    func roof(_ intensity: Double) -> Double { min(bandwidth * intensity, compute) }

    var svg: String {
        var svg = SVGDocument(width: 960, height: 625)
        svg.text("The roofline: how fast a matrix product can be, and how fast ours are", x: 24, y: 30, size: 17, bold: true)
        svg.text("Measured by llama-bench on this machine (\(machine)): read bandwidth \(Self.format(bandwidth)) GB/s, "
                 + "compute \(Self.format(compute)) billion multiply-adds per second", x: 24, y: 50, color: "#555555")
        if !models.isEmpty {
            svg.text("Models: \(models.joined(separator: ", ")), ours and llama.cpp alternating in one run", x: 24, y: 66,
                     color: "#555555")
        }

        let intensities = points.map(\.intensity) + [compute / bandwidth]
        let rates = points.map(\.rate) + [compute]
        let xLow = floor(log10((intensities.min() ?? 0.1) / 1.5)), xHigh = ceil(log10((intensities.max() ?? 100) * 1.5))
        let yLow = floor(log10((rates.min() ?? 1) / 1.5)), yHigh = ceil(log10((rates.max() ?? 100) * 1.5))
        let plotX = 90.0, plotY = 92.0, plotWidth = 470.0, plotHeight = 470.0
        func px(_ intensity: Double) -> Double { plotX + plotWidth * (log10(intensity) - xLow) / (xHigh - xLow) }
        func py(_ rate: Double) -> Double { plotY + plotHeight * (1 - (log10(rate) - yLow) / (yHigh - yLow)) }

        for decade in Int(xLow)...Int(xHigh) {
            let x = px(pow(10, Double(decade)))
            svg.line(from: (x, plotY), to: (x, plotY + plotHeight), color: "#e6e6e6", width: 1)
            svg.text(Self.power(decade), x: x, y: plotY + plotHeight + 16, anchor: .middle, size: 11)
        }
        for decade in Int(yLow)...Int(yHigh) {
            let y = py(pow(10, Double(decade)))
            svg.line(from: (plotX, y), to: (plotX + plotWidth, y), color: "#e6e6e6", width: 1)
            svg.text(Self.power(decade), x: plotX - 8, y: y + 4, anchor: .end, size: 11)
        }
        svg.rect(x: plotX, y: plotY, width: plotWidth, height: plotHeight, fill: "none", stroke: "#888888")
        svg.text("multiply-adds per byte of weights read", x: plotX + plotWidth / 2, y: plotY + plotHeight + 36, anchor: .middle)
        svg.text("billion multiply-adds per second", x: plotX - 52, y: plotY + plotHeight / 2, anchor: .middle, rotation: -90)

        // The roofs: the bandwidth slope up to the ridge, then flat.
        let left = pow(10, xLow), right = pow(10, xHigh), ridge = compute / bandwidth
        let start = max(left, pow(10, yLow) / bandwidth)
        svg.polyline([(px(start), py(bandwidth * start)), (px(ridge), py(compute)), (px(right), py(compute))],
                     color: "#333333", width: 2.5)
        svg.text("compute roof \(Self.format(compute))", x: px(right) - 6, y: py(compute) - 8, anchor: .end, size: 11, bold: true)
        let labelAt = pow(10, (log10(start) + log10(ridge)) / 2)
        let slopeAngle = atan2(py(bandwidth * labelAt) - py(bandwidth * labelAt * 10), px(labelAt * 10) - px(labelAt))
        svg.text("read bandwidth \(Self.format(bandwidth)) GB/s", x: px(labelAt) - 10, y: py(bandwidth * labelAt) - 10,
                 anchor: .middle, size: 11, bold: true, rotation: -Int((slopeAngle * 180 / .pi).rounded()))
        svg.line(from: (px(ridge), py(compute)), to: (px(ridge), plotY + plotHeight), color: "#aaaaaa", dashed: true)
        svg.text("ridge \(Self.format(ridge))", x: px(ridge) + 4, y: plotY + plotHeight - 6, size: 10, color: "#555555")

        // The points, numbered, and the list that names them.
        let tableX = 590.0
        svg.text("#  run: rate (fraction of the roof above it)", x: tableX, y: plotY + 4, size: 11, bold: true)
        for (index, point) in points.enumerated() {
            let number = index + 1
            let x = px(point.intensity), y = py(point.rate)
            let fraction = point.rate / roof(point.intensity)
            let tip = "\(number). \(point.label): \(Self.format(point.intensity)) multiply-adds per byte, "
                + "\(Self.format(point.rate)) billion per second, \(String(format: "%.2f", fraction)) of the roof"
            marker(&svg, point.kind, x: x, y: y, tip: tip)
            svg.text("\(number)", x: x + 7, y: y - 5, size: 10, bold: true)
            let rowY = plotY + 24 + Double(index) * 17
            marker(&svg, point.kind, x: tableX + 4, y: rowY - 4, tip: nil)
            svg.text("\(number) \(point.label): \(Self.format(point.rate)) (\(String(format: "%.2f", fraction)))",
                     x: tableX + 14, y: rowY, size: 11)
        }
        let legendY = plotY + 24 + Double(points.count) * 17 + 16
        for (index, item) in [(Point.Kind.kernel, "our kernel alone (llama-bench kernels)"),
                              (Point.Kind.ours, "our whole model (llama-bench compare)"),
                              (Point.Kind.llamaCpp, "llama.cpp on the same file")].enumerated() {
            let y = legendY + Double(index) * 18
            marker(&svg, item.0, x: tableX + 4, y: y - 4, tip: nil)
            svg.text(item.1, x: tableX + 14, y: y, size: 11)
        }
        let notes = ["Rates in billion multiply-adds per second; a model's are its",
                     "tokens per second times its multiply-adds per token.",
                     "Decode sits on the slope: it waits for memory. Prefill reuses",
                     "each weight for every prompt token and can reach the roof.",
                     "The roof is float32 multiply-adds on the widest registers;",
                     "integer and bf16 dot-product instructions can pass it."]
        for (index, line) in notes.enumerated() {
            svg.text(line, x: tableX, y: legendY + 66 + Double(index) * 16, size: 11, color: "#555555")
        }
        return svg.text
    }

    /// A circle for a kernel, a square for our model, a triangle for llama.cpp.
    private func marker(_ svg: inout SVGDocument, _ kind: Point.Kind, x: Double, y: Double, tip: String?) {
        switch kind {
        case .kernel:
            svg.circle(x: x, y: y, radius: 4.5, fill: "#6baed6", stroke: "#08519c", tip: tip)
        case .ours:
            svg.rect(x: x - 4.5, y: y - 4.5, width: 9, height: 9, fill: "#2171b5", stroke: "#08306b", tip: tip)
        case .llamaCpp:
            svg.append("<polygon points=\"\(SVGDocument.number(x)),\(SVGDocument.number(y - 6)) "
                       + "\(SVGDocument.number(x + 5.5)),\(SVGDocument.number(y + 4)) "
                       + "\(SVGDocument.number(x - 5.5)),\(SVGDocument.number(y + 4))\" fill=\"#fd8d3c\" stroke=\"#a63603\">"
                       + (tip.map { "<title>\(SVGDocument.escape($0))</title>" } ?? "") + "</polygon>\n")
        }
    }

    /// Three significant digits: 0.531, 12.4, 187.
    static func format(_ value: Double) -> String {
        value >= 100 ? String(Int(value.rounded())) : String(format: value >= 10 ? "%.1f" : (value >= 1 ? "%.2f" : "%.3f"), value)
    }

    /// `10^n` as an axis label: 0.1, 1, 10, 100, then 10³ …
    static func power(_ n: Int) -> String {
        switch n {
        case -2: return "0.01"
        case -1: return "0.1"
        case 0: return "1"
        case 1: return "10"
        case 2: return "100"
        case 3: return "1000"
        default:
            let digits: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
            return "10" + (n < 0 ? "⁻" : "") + String(String(abs(n)).compactMap { $0.wholeNumberValue.map { digits[$0] } })
        }
    }
}
