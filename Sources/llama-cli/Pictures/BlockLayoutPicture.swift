// The bytes of one block of BF16, Q8_0, Q4_0 and Q4_K as a picture
// (`llama-cli picture blocks`).
//
// What each bit means is not written down here: it is found by asking the code. Each bit
// of a block is flipped in turn, and the format's own readers (BlockFormat's dequantize,
// unitScale and unitOffset; BFloat16's floatValue) say what changed: a unit's scale, a
// unit's offset, or which weight. So the picture follows the formats' definitions in
// LlamaTensor/Numerics wherever they go.

import Foundation
import LlamaTensor
import SVGWriter

/// What one bit of a block feeds.
enum BitRole: Hashable {
    /// The scale of these units (all of them: the block's `d`).
    case scale(units: [Int])
    /// The offset of these units (all of them: the block's `dmin` or `m`).
    case offset(units: [Int])
    /// The level of these weights, and nothing else.
    case level(weights: [Int])
    /// A bfloat16's sign, exponent or mantissa.
    case sign, exponent, mantissa
}

/// Finds each bit's role by flipping it in a block whose every byte is 0x55 (every field
/// non-zero and finite, so any change shows) and reading the block back.
enum BlockProbe {
    /// `roles[byte][bit]`, bit 0 the least significant.
    static func roles(of format: any BlockFormat.Type) -> [[BitRole]] {
        let size = format.blockByteSize, units = format.unitsPerBlock
        let base = [UInt8](repeating: 0x55, count: size)
        func read(_ bytes: [UInt8]) -> (weights: [UInt32], scales: [UInt32], offsets: [UInt32]) {
            bytes.withUnsafeBytes { raw in
                guard let block = raw.baseAddress else { return ([], [], []) }
                var weights = [Float](repeating: 0, count: format.blockSize)
                weights.withUnsafeMutableBufferPointer { format.dequantize(block, into: $0.baseAddress!) }
                return (weights.map(\.bitPattern),
                        (0..<units).map { format.unitScale(block, unit: $0).bitPattern },
                        (0..<units).map { format.unitOffset(block, unit: $0).bitPattern })
            }
        }
        let reference = read(base)
        return (0..<size).map { byte in
            (0..<8).map { bit in
                var flipped = base
                flipped[byte] ^= UInt8(1) << bit
                let changed = read(flipped)
                let scales = (0..<units).filter { changed.scales[$0] != reference.scales[$0] }
                if !scales.isEmpty { return .scale(units: scales) }
                let offsets = (0..<units).filter { changed.offsets[$0] != reference.offsets[$0] }
                if !offsets.isEmpty { return .offset(units: offsets) }
                return .level(weights: (0..<format.blockSize).filter { changed.weights[$0] != reference.weights[$0] })
            }
        }
    }

    /// The roles of a bfloat16's 16 bits (`[byte][bit]`, little-endian like the file):
    /// flipping the sign negates 1.5, flipping an exponent bit scales it by a power of two,
    /// anything else is the mantissa.
    static func bfloat16Roles() -> [[BitRole]] {
        let one = BFloat16(1.5)
        return (0..<2).map { byte in
            (0..<8).map { bit in
                let value = BFloat16(bitPattern: one.bitPattern ^ (UInt16(1) << (8 * byte + bit))).floatValue
                if value == -one.floatValue { return .sign }
                let ratio = value / one.floatValue
                if ratio == 0 || !ratio.isFinite || ratio.significandBitPattern == 0 { return .exponent }
                return .mantissa
            }
        }
    }
}

/// Each format's block as rows of bytes, each byte as its eight bits (the most significant
/// on the left), coloured and labelled by what they feed.
struct BlockLayoutPicture {
    /// Bytes per drawn row.
    static let bytesPerRow = 16
    static let byteWidth = 52.0, rowHeight = 30.0, left = 96.0

    var svg: String {
        var svg = SVGDocument(width: 960, height: 920)
        svg.text("One block of each weight format, byte by byte", x: 24, y: 30, size: 17, bold: true)
        svg.text("Found by flipping each bit and reading the block back with the format's own code. Bytes run left "
                 + "to right in file order; within a byte, bit 7 is on the left.", x: 24, y: 50, color: PictureColor.note)
        var y = 84.0
        y = bfloat16(&svg, y: y)
        let formats: [(any BlockFormat.Type, String, String)] = [
            (Q8_0.self, "Q8_0", "weight i = d · q_i        (q_i: signed byte)"),
            (Q4_0.self, "Q4_0", "weight i = d · (q_i − 8)   (q_i: 4-bit level, 0 … 15)"),
            (Q4_K.self, "Q4_K", "weight i of unit j = d · s_j · q_i − dmin · m_j   (s_j, m_j: 6-bit; q_i: 4-bit)"),
        ]
        for (format, name, formula) in formats {
            y = block(&svg, format, name: name, formula: formula, y: y + 26)
        }
        legend(&svg, y: y + 26)
        return svg.text
    }

    /// A bfloat16 weight: two bytes, sign, exponent and mantissa, with π as the example.
    private func bfloat16(_ svg: inout SVGDocument, y: Double) -> Double {
        let bytes = DType.bf16.blockByteSize
        svg.text("BF16: 1 weight in \(bytes) bytes, \(8 * bytes) bits per weight", x: 24, y: y, size: 14, bold: true)
        svg.text("the top half of a float32: same sign and 8-bit exponent, mantissa cut from 23 bits to 7 (rounded to nearest even)",
                 x: 24, y: y + 18, color: PictureColor.note)
        let roles = BlockProbe.bfloat16Roles()
        // Drawn most significant byte first, as the number reads.
        let pi = BFloat16(Float.pi)
        let rowY = y + 30
        for (column, byte) in (0..<bytes).reversed().enumerated() {
            let x = Self.left + Double(column) * 8 * 28
            svg.text("byte \(byte)", x: x + 4 * 28, y: rowY - 4 + 48, anchor: .middle, size: 10, color: PictureColor.note)
            for (index, bit) in (0..<8).reversed().enumerated() {
                let role = roles[byte][bit]
                let bx = x + Double(index) * 28
                let value = (pi.bitPattern >> (8 * byte + bit)) & 1
                svg.rect(x: bx, y: rowY, width: 28, height: 28, fill: Self.color(role, units: 1), stroke: "#ffffff")
                svg.text("\(value)", x: bx + 14, y: rowY + 19, anchor: .middle, size: 12, monospace: true)
            }
        }
        let bits = (0..<16).reversed().map { String((pi.bitPattern >> $0) & 1) }.joined()
        svg.text("π as bf16: \(bits.prefix(1)) \(bits.dropFirst().prefix(8)) \(bits.dropFirst(9)) = \(pi.floatValue)",
                 x: Self.left + 16 * 28 + 24, y: rowY + 12, monospace: true)
        svg.text("sign, exponent (bias 127), mantissa; in the file", x: Self.left + 16 * 28 + 24, y: rowY + 28, size: 11,
                 color: PictureColor.note)
        svg.text("byte 0 comes first (little-endian)", x: Self.left + 16 * 28 + 24, y: rowY + 42, size: 11,
                 color: PictureColor.note)
        return rowY + 60
    }

    /// One block format: a heading with its size, the formula, and its bytes in rows.
    private func block(_ svg: inout SVGDocument, _ format: any BlockFormat.Type, name: String, formula: String,
                       y top: Double) -> Double {
        let bytes = format.blockByteSize, weights = format.blockSize
        let bits = Double(8 * bytes) / Double(weights)
        svg.text("\(name): \(weights) weights in \(bytes) bytes, \(String(format: "%g", bits)) bits per weight"
                 + (format.unitsPerBlock > 1 ? ", \(format.unitsPerBlock) units of 32" : ""),
                 x: 24, y: top, size: 14, bold: true)
        svg.text(formula, x: 24, y: top + 18, color: PictureColor.note, monospace: true)
        let roles = BlockProbe.roles(of: format)
        let rows = (bytes + Self.bytesPerRow - 1) / Self.bytesPerRow
        let gridY = top + 30
        for row in 0..<rows {
            let y = gridY + Double(row) * (Self.rowHeight + 6)
            svg.text("\(row * Self.bytesPerRow)", x: Self.left - 8, y: y + 19, anchor: .end, size: 10,
                     color: PictureColor.note, monospace: true)
            var column = 0
            while column < Self.bytesPerRow, row * Self.bytesPerRow + column < bytes {
                let byte = row * Self.bytesPerRow + column
                // Whole bytes of one block-wide field (an f16 scale) make one box.
                var span = 1
                if Self.isWholeBlockField(roles[byte], units: format.unitsPerBlock) {
                    while column + span < Self.bytesPerRow, byte + span < bytes, roles[byte + span] == roles[byte] { span += 1 }
                }
                drawByte(&svg, roles[byte], x: Self.left + Double(column) * Self.byteWidth, y: y, span: span,
                         units: format.unitsPerBlock, note: span > 1 ? "(\(span == 2 ? "f16" : "\(span) bytes"))" : nil)
                column += span
            }
        }
        return gridY + Double(rows) * (Self.rowHeight + 6)
    }

    /// Whether every bit of a byte feeds the same block-wide scale or offset.
    private static func isWholeBlockField(_ bits: [BitRole], units: Int) -> Bool {
        guard let first = bits.first, bits.allSatisfy({ $0 == first }) else { return false }
        switch first {
        case .scale(let u), .offset(let u): return u.count == units
        default: return false
        }
    }

    /// One byte (or `span` bytes of one field): runs of bits with the same role, each a
    /// coloured box with its label.
    private func drawByte(_ svg: inout SVGDocument, _ bits: [BitRole], x: Double, y: Double, span: Int, units: Int,
                          note: String?) {
        let width = Self.byteWidth * Double(span)
        var runs: [(role: BitRole, count: Int)] = []
        for bit in (0..<8).reversed() {
            if let last = runs.last, last.role == bits[bit] {
                runs[runs.count - 1].count += 1
            } else {
                runs.append((bits[bit], 1))
            }
        }
        var bx = x
        for run in runs {
            let runWidth = width * Double(run.count) / 8
            svg.rect(x: bx, y: y, width: runWidth, height: Self.rowHeight, fill: Self.color(run.role, units: units),
                     stroke: "#ffffff", tip: Self.describe(run.role, units: units, bits: run.count))
            let label = Self.label(run.role, units: units) + (note.map { " " + $0 } ?? "")
            svg.text(label, x: bx + runWidth / 2, y: y + 19, anchor: .middle, size: runWidth < 20 ? 8 : (runWidth < 30 ? 9 : 10))
            bx += runWidth
        }
        svg.rect(x: x, y: y, width: width, height: Self.rowHeight, fill: "none", stroke: "#666666")
    }

    /// The short text in a box: `d`, `dmin`, `s3`, `m3`, `q7`, or a weight's index for a
    /// nibble (`5`, `37`).
    private static func label(_ role: BitRole, units: Int) -> String {
        switch role {
        case .scale(let u): return u.count == units ? "d" : u.map { "s\($0)" }.joined(separator: ",")
        case .offset(let u): return u.count == units ? (units > 1 ? "dmin" : "m") : u.map { "m\($0)" }.joined(separator: ",")
        case .level(let weights): return weights.count == 1 ? (weights[0] < 32 && units == 1 ? "q\(weights[0])" : "\(weights[0])")
                                                            : weights.map(String.init).joined(separator: ",")
        case .sign: return "s"
        case .exponent: return "e"
        case .mantissa: return "m"
        }
    }

    /// The tooltip: what the bits are, in words.
    private static func describe(_ role: BitRole, units: Int, bits: Int) -> String {
        let what: String
        switch role {
        case .scale(let u): what = u.count == units ? "the block's scale d" : "the 6-bit scale of unit \(u.map(String.init).joined(separator: ","))"
        case .offset(let u): what = u.count == units ? "the block's minimum \(units > 1 ? "dmin" : "m")"
                                                     : "the 6-bit minimum of unit \(u.map(String.init).joined(separator: ","))"
        case .level(let weights): what = "the level of weight \(weights.map(String.init).joined(separator: ", "))"
        case .sign: what = "the sign"
        case .exponent: what = "the exponent"
        case .mantissa: what = "the mantissa"
        }
        return "\(bits) bit\(bits == 1 ? "" : "s") of \(what)"
    }

    /// Block-wide scales dark orange and units' scales light, offsets green likewise, levels
    /// blue (alternating shades by unit); bfloat16's exponent like a scale, its mantissa
    /// like a level.
    private static func color(_ role: BitRole, units: Int) -> String {
        switch role {
        case .scale(let u): return u.count == units ? "#f4b183" : "#fbd5b5"
        case .offset(let u): return u.count == units ? "#a9d18e" : "#d5e8c4"
        case .level(let weights): return (weights.first ?? 0) / 32 % 2 == 0 ? "#bdd7ee" : "#deebf7"
        case .sign: return "#e7c6e9"
        case .exponent: return "#f4b183"
        case .mantissa: return "#bdd7ee"
        }
    }

    private func legend(_ svg: inout SVGDocument, y: Double) {
        let items = [("#f4b183", "block scale d (f16); bf16 exponent"), ("#a9d18e", "block minimum dmin (f16)"),
                     ("#fbd5b5", "unit scale s_j (6 bits)"), ("#d5e8c4", "unit minimum m_j (6 bits)"),
                     ("#bdd7ee", "levels: q_i, or weight i for a nibble"), ("#e7c6e9", "bf16 sign")]
        var x = 24.0
        for (index, item) in items.enumerated() {
            if index == 3 { x = 24 }
            let yy = y + (index >= 3 ? 20 : 0)
            svg.rect(x: x, y: yy - 10, width: 12, height: 12, fill: item.0, stroke: "#999999")
            svg.text(item.1, x: x + 18, y: yy, size: 11)
            x += 300
        }
    }
}
