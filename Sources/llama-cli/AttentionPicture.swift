// Attention weights as a self-contained SVG: one heat map per head, the query tokens down
// the left, the key tokens along the top. Explained in
// Documentation/18-Tracing-and-Attention.md.
//
// Written with SVGWriter (no fonts, images, scripts or style sheets from outside), with
// integer coordinates and fixed number formats, so the same weights always give the same
// bytes and the documentation's picture can be checked by regenerating it.

import Foundation
import SVGWriter

struct AttentionPicture {
    /// The caption at the top.
    let title: String
    /// The text of each token, shown on both axes.
    let labels: [String]
    /// Per head: its number and its `T × T` weights, row = query, column = key.
    let maps: [(head: Int, weights: [Float])]

    /// The side of one cell: big for short prompts, small enough that long ones fit.
    var cell: Int { max(6, min(24, 480 / max(labels.count, 1))) }
    static let fontSize = 11
    static let gap = 24

    /// Room for the longest label (about 6.5 px per character at 11 px).
    var labelRoom: Int {
        let longest = labels.map { Self.display($0).count }.max() ?? 1
        return 12 + (longest * 13 + 1) / 2
    }

    var svg: String {
        let n = labels.count
        let panelWidth = labelRoom + n * cell
        let panelHeight = 18 + labelRoom + n * cell
        let columns = maps.count == 1 ? 1 : Int(Double(maps.count).squareRoot().rounded(.up))
        let rows = (maps.count + columns - 1) / columns
        let top = 40
        let width = Self.gap + columns * (panelWidth + Self.gap)
        let height = top + rows * (panelHeight + Self.gap) + 40

        var svg = SVGDocument(width: width, height: height, fontSize: Self.fontSize)
        var out = """
        <text x="\(Self.gap)" y="22" font-size="14">\(Self.escape(title))</text>
        <text x="\(Self.gap)" y="36" fill="#555555">rows: the token that attends (query); columns: the tokens it reads (key); grey: masked (later tokens)</text>

        """
        for (index, map) in maps.enumerated() {
            let x0 = Self.gap + (index % columns) * (panelWidth + Self.gap)
            let y0 = top + (index / columns) * (panelHeight + Self.gap)
            out += panel(map.head, map.weights, x: x0, y: y0)
        }
        // The scale: weight 0 (white) to 1 (dark blue).
        let legendY = height - 28
        out += """
        <defs><linearGradient id="scale"><stop offset="0" stop-color="\(Self.color(0))"/><stop offset="1" stop-color="\(Self.color(1))"/></linearGradient></defs>
        <text x="\(Self.gap)" y="\(legendY + 11)">weight 0</text>
        <rect x="\(Self.gap + 60)" y="\(legendY)" width="160" height="14" fill="url(#scale)" stroke="#999999"/>
        <text x="\(Self.gap + 226)" y="\(legendY + 11)">1</text>

        """
        svg.append(out)
        return svg.text
    }

    /// One head: its caption, the labels on both axes, and `T × T` cells.
    private func panel(_ head: Int, _ weights: [Float], x x0: Int, y y0: Int) -> String {
        let n = labels.count, c = cell
        let gridX = x0 + labelRoom, gridY = y0 + 18 + labelRoom
        var out = "<g class=\"head\" id=\"head-\(head)\">\n"
        out += "<text x=\"\(gridX)\" y=\"\(y0 + 12)\" font-weight=\"bold\">head \(head)</text>\n"
        for (i, label) in labels.enumerated() {
            let text = Self.escape(Self.display(label))
            let middle = c / 2 + 4
            // Down the left, right-aligned against the grid.
            out += "<text class=\"label query\" x=\"\(gridX - 4)\" y=\"\(gridY + i * c + middle)\" text-anchor=\"end\">\(text)</text>\n"
            // Along the top, written upwards.
            out += "<text class=\"label key\" transform=\"translate(\(gridX + i * c + middle),\(gridY - 4)) rotate(-90)\">\(text)</text>\n"
        }
        for query in 0..<n {
            for key in 0..<n {
                let x = gridX + key * c, y = gridY + query * c
                if key > query {
                    out += "<rect class=\"cell masked\" x=\"\(x)\" y=\"\(y)\" width=\"\(c)\" height=\"\(c)\" fill=\"#e4e4e4\"/>\n"
                } else {
                    let weight = weights[query * n + key]
                    let tip = Self.escape("\(Self.display(labels[query])) → \(Self.display(labels[key])): \(String(format: "%.3f", weight))")
                    out += "<rect class=\"cell\" x=\"\(x)\" y=\"\(y)\" width=\"\(c)\" height=\"\(c)\" fill=\"\(Self.color(weight))\"><title>\(tip)</title></rect>\n"
                }
            }
        }
        out += "<rect x=\"\(gridX)\" y=\"\(gridY)\" width=\"\(n * c)\" height=\"\(n * c)\" fill=\"none\" stroke=\"#999999\"/>\n"
        return out + "</g>\n"
    }

    /// White for 0 to dark blue (#08306b) for 1.
    static func color(_ weight: Float) -> String {
        let w = Double(min(max(weight, 0), 1))
        func channel(_ light: Double, _ dark: Double) -> Int { Int((light + (dark - light) * w).rounded()) }
        return String(format: "#%02x%02x%02x", channel(255, 8), channel(255, 48), channel(255, 107))
    }

    /// A token's text made visible (`SVGDocument.visible`).
    static func display(_ piece: String) -> String { SVGDocument.visible(piece) }

    /// Escapes the five characters XML gives a meaning to (`SVGDocument.escape`).
    static func escape(_ text: String) -> String { SVGDocument.escape(text) }
}
