// The SVG writer behind the documentation's pictures: llama-cli's `attention` and
// `picture`, and llama-bench's `roofline`. Each picture in Documentation/Images is checked
// by regenerating it, so the output depends only on what is drawn: fixed number formats,
// no dates, fonts named by generic family, nothing fetched from outside the file.

/// A self-contained SVG picture, written element by element onto a white page.
///
/// Coordinates print as integers when whole and with one decimal otherwise, so the same
/// drawing always gives the same bytes.
///
/// ```swift
/// var svg = SVGDocument(width: 400, height: 100)
/// svg.box(x: 20, y: 20, width: 120, height: 40, fill: "#dbe9f6", label: "x [T, 4096]")
/// let file = svg.text
/// ```
public struct SVGDocument {
    /// The page's width in pixels.
    public let width: Int
    /// The page's height in pixels.
    public let height: Int
    /// The size of text that names no size of its own.
    public let fontSize: Int
    /// The elements so far, one or more lines each.
    private var body = ""
    /// Whether some line ends in an arrowhead, so the file defines the marker.
    private var hasArrows = false

    /// An empty white page.
    public init(width: Int, height: Int, fontSize: Int = 12) {
        self.width = width
        self.height = height
        self.fontSize = fontSize
    }

    /// The whole file: the XML declaration, the `<svg>` element with the page, the
    /// elements in the order they were added, and the closing tag.
    public var text: String {
        var out = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" font-family="sans-serif" font-size="\(fontSize)">
        <rect width="\(width)" height="\(height)" fill="#ffffff"/>

        """
        if hasArrows {
            out += "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#444444\"/></marker></defs>\n"
        }
        return out + body + "</svg>\n"
    }

    // MARK: Elements

    /// Appends markup written by the caller (one or more whole elements, each line ending
    /// in a newline).
    public mutating func append(_ markup: String) {
        body += markup
    }

    /// A rectangle; `tip` becomes its tooltip.
    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String,
                              stroke: String? = nil, corner: Double = 0, dashed: Bool = false, tip: String? = nil) {
        var attributes = "x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\""
        if corner > 0 { attributes += " rx=\"\(Self.number(corner))\"" }
        attributes += " fill=\"\(fill)\""
        if let stroke { attributes += " stroke=\"\(stroke)\"" }
        if dashed { attributes += " stroke-dasharray=\"5 3\"" }
        if let tip {
            body += "<rect \(attributes)><title>\(Self.escape(tip))</title></rect>\n"
        } else {
            body += "<rect \(attributes)/>\n"
        }
    }

    /// Where a line of text sits relative to its `x`.
    public enum Anchor: String {
        /// `x` is the left end.
        case start
        /// `x` is the middle.
        case middle
        /// `x` is the right end.
        case end
    }

    /// One line of text with its baseline at `y`; `rotation` turns it (in degrees,
    /// negative is anticlockwise) about its anchor point.
    public mutating func text(_ string: String, x: Double, y: Double, anchor: Anchor = .start, size: Int? = nil,
                              bold: Bool = false, italic: Bool = false, color: String? = nil,
                              monospace: Bool = false, rotation: Int = 0) {
        var attributes = rotation == 0
            ? "x=\"\(Self.number(x))\" y=\"\(Self.number(y))\""
            : "transform=\"translate(\(Self.number(x)),\(Self.number(y))) rotate(\(rotation))\""
        if anchor != .start { attributes += " text-anchor=\"\(anchor.rawValue)\"" }
        if let size { attributes += " font-size=\"\(size)\"" }
        if bold { attributes += " font-weight=\"bold\"" }
        if italic { attributes += " font-style=\"italic\"" }
        if monospace { attributes += " font-family=\"monospace\"" }
        if let color { attributes += " fill=\"\(color)\"" }
        body += "<text \(attributes)>\(Self.escape(string))</text>\n"
    }

    /// A rounded box with up to two centred lines of text: `label` (bold) and `detail`
    /// below it (in monospace, for shapes such as `[T, 4096]`).
    public mutating func box(x: Double, y: Double, width: Double, height: Double, fill: String,
                             label: String, detail: String? = nil, stroke: String = "#555555", tip: String? = nil) {
        rect(x: x, y: y, width: width, height: height, fill: fill, stroke: stroke, corner: 4, tip: tip)
        let middle = x + width / 2
        if let detail {
            text(label, x: middle, y: y + height / 2 - 3, anchor: .middle, bold: true)
            text(detail, x: middle, y: y + height / 2 + 12, anchor: .middle, monospace: true)
        } else {
            text(label, x: middle, y: y + height / 2 + 4, anchor: .middle, bold: true)
        }
    }

    /// A straight line, with an arrowhead at its end when `arrow` is true.
    public mutating func line(from start: (Double, Double), to end: (Double, Double), color: String = "#444444",
                              width: Double = 1.2, dashed: Bool = false, arrow: Bool = false) {
        var attributes = "x1=\"\(Self.number(start.0))\" y1=\"\(Self.number(start.1))\" x2=\"\(Self.number(end.0))\" y2=\"\(Self.number(end.1))\" stroke=\"\(color)\" stroke-width=\"\(Self.number(width))\""
        if dashed { attributes += " stroke-dasharray=\"5 3\"" }
        if arrow {
            attributes += " marker-end=\"url(#arrow)\""
            hasArrows = true
        }
        body += "<line \(attributes)/>\n"
    }

    /// An open line through `points`, or a closed shape when `fill` is given.
    public mutating func polyline(_ points: [(Double, Double)], color: String, width: Double = 1.5,
                                  fill: String? = nil, dashed: Bool = false) {
        let list = points.map { "\(Self.number($0.0)),\(Self.number($0.1))" }.joined(separator: " ")
        var attributes = "points=\"\(list)\" fill=\"\(fill ?? "none")\" stroke=\"\(color)\" stroke-width=\"\(Self.number(width))\""
        if dashed { attributes += " stroke-dasharray=\"5 3\"" }
        body += "<\(fill == nil ? "polyline" : "polygon") \(attributes)/>\n"
    }

    /// A circle; `tip` becomes its tooltip.
    public mutating func circle(x: Double, y: Double, radius: Double, fill: String, stroke: String? = nil,
                                tip: String? = nil) {
        var attributes = "cx=\"\(Self.number(x))\" cy=\"\(Self.number(y))\" r=\"\(Self.number(radius))\" fill=\"\(fill)\""
        if let stroke { attributes += " stroke=\"\(stroke)\"" }
        if let tip {
            body += "<circle \(attributes)><title>\(Self.escape(tip))</title></circle>\n"
        } else {
            body += "<circle \(attributes)/>\n"
        }
    }

    // MARK: Text and numbers

    /// A coordinate or length: whole numbers without a decimal point, others rounded to
    /// one decimal (a tenth of a pixel is finer than any screen shows).
    public static func number(_ value: Double) -> String {
        let tenths = (value * 10).rounded()
        if tenths.truncatingRemainder(dividingBy: 10) == 0 { return String(Int(tenths / 10)) }
        let sign = tenths < 0 ? "-" : ""
        let magnitude = Int(abs(tenths))
        return "\(sign)\(magnitude / 10).\(magnitude % 10)"
    }

    /// Escapes the five characters XML gives a meaning to.
    public static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default: result.append(character)
            }
        }
        return result
    }

    /// A token's text made visible: spaces as `·`, line breaks as `↵`, other control
    /// characters as their Unicode control pictures (XML 1.0 forbids most of them), long
    /// pieces cut to 20 characters.
    public static func visible(_ piece: String) -> String {
        var result = ""
        for scalar in piece.unicodeScalars {
            switch scalar.value {
            case 0x20: result += "·"
            case 0x0A: result += "↵"
            case 0x00..<0x20: result.unicodeScalars.append(Unicode.Scalar(0x2400 + scalar.value) ?? "\u{FFFD}")
            case 0x7F: result += "\u{2421}"
            case 0xFFFE, 0xFFFF: result += "\u{FFFD}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result.count > 20 ? String(result.prefix(19)) + "…" : result
    }

    /// A shape as the chapters write it: `[T, 32, 128]`.
    public static func shape(_ dimensions: [String]) -> String {
        "[" + dimensions.joined(separator: ", ") + "]"
    }
}
