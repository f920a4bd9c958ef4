// Byte-pair merging of one word, step by step (`llama-cli picture bpe`): printed as text
// and drawn as a staircase of parts, each merge highlighted with the rank that chose it.
//
// The tokenizer keeps its merge loop internal, so the steps are replayed here with
// tiktoken's rule (merge the adjacent pair whose bytes form the lowest-ranked token, the
// leftmost on a tie) over the ranks the tokenizer itself reports, for one word (one
// pre-tokenizer piece), and the replay must end in exactly the ids Tokenizer.encode gives,
// or the command fails.

import Foundation
import LlamaLoader
import LlamaModel
import LlamaTokenizer
import SVGWriter

/// The merges of one word, and the picture of them.
struct BPEPicture {
    /// Every step of merging one pre-tokenizer piece.
    struct Explanation {
        /// The word as given.
        let text: String
        /// The parts before any merge (single bytes) and after each merge.
        let steps: [[[UInt8]]]
        /// For each merge: the index of the new part in the step it made, and its rank.
        let merges: [(index: Int, rank: Int32)]
        /// The final parts' ids, equal to `Tokenizer.encode(text)`.
        let ids: [Int32]

        /// Replays the merges of `text` with `tokenizer`'s ranks.
        /// - Throws: `CLIError.failure` when the vocabulary merges by a merge list rather
        ///   than by ranks, or when the replay does not end in `encode`'s ids (a `text` the
        ///   pre-tokenizer splits; `isOneWord` keeps those out).
        init(text: String, tokenizer: Tokenizer) throws {
            guard tokenizer.mergeCount == nil else {
                throw CLIError.failure("picture bpe replays ranked vocabularies (a tokenizer.model file); "
                                       + "this one merges by a merge list")
            }
            // The rank of each token's bytes: in a tiktoken ranks file the id is the rank.
            var ranks: [[UInt8]: Int32] = [:]
            for id in 0..<Int32(tokenizer.baseVocabularySize) {
                ranks[try tokenizer.bytes(for: [id])] = id
            }
            var parts = Array(text.utf8).map { [$0] }
            var steps = [parts], merges: [(Int, Int32)] = []
            while parts.count > 1 {
                var best: (index: Int, rank: Int32)?
                for i in 0..<(parts.count - 1) {
                    if let rank = ranks[parts[i] + parts[i + 1]], rank < best?.rank ?? .max { best = (i, rank) }
                }
                guard let best else { break }
                parts[best.index] += parts[best.index + 1]
                parts.remove(at: best.index + 1)
                steps.append(parts)
                merges.append(best)
            }
            let ids = try parts.map { part -> Int32 in
                guard let id = ranks[part] else {
                    throw CLIError.failure("'\(text)' leaves a part that is not a token: \(part)")
                }
                return id
            }
            let encoded = tokenizer.encode(text)
            guard ids == encoded else {
                throw CLIError.failure("replaying the merges of '\(text)' gives \(ids.map(String.init).joined(separator: ",")), "
                                       + "the tokenizer \(encoded.map(String.init).joined(separator: ","))")
            }
            self.text = text
            self.steps = steps
            self.merges = merges
            self.ids = ids
        }

        /// The steps as text, one line each, ending with the ids.
        var transcript: String {
            var lines = ["\(Self.quoted(Array(text.utf8))): \(steps[0].count) bytes, \(merges.count) merges"]
            let width = String(merges.count).count
            func padded(_ n: Int) -> String { String(repeating: " ", count: width - String(n).count) + String(n) }
            lines.append("start:" + String(repeating: " ", count: width + 3) + steps[0].map { Self.visible($0) }.joined(separator: " "))
            for (number, merge) in merges.enumerated() {
                let parts = steps[number + 1]
                lines.append("merge \(padded(number + 1)): " + parts.map { Self.visible($0) }.joined(separator: " ")
                             + "    (\(Self.quoted(parts[merge.index])) is rank \(merge.rank))")
            }
            lines.append("ids: [" + ids.map(String.init).joined(separator: ", ") + "]")
            return lines.joined(separator: "\n") + "\n"
        }

        /// A part's bytes as text, spaces as `·`, bytes that are not whole UTF-8
        /// characters as `<E2>`.
        static func visible(_ bytes: [UInt8]) -> String {
            if let text = String(validating: bytes, as: UTF8.self) { return SVGDocument.visible(text) }
            return bytes.map { String(format: "<%02X>", $0) }.joined()
        }

        /// A part in double quotes.
        static func quoted(_ bytes: [UInt8]) -> String { "\"" + visible(bytes) + "\"" }
    }

    let explanation: Explanation

    /// Whether `text` is letters after at most one space: one piece for every
    /// pre-tokenizer this package has (`[^\r\n\p{L}\p{N}]?\p{L}+` in Llama 3's, ` ?\p{L}+` in
    /// GPT-2's), so the tokenizer merges it whole, as the replay does.
    static func isOneWord(_ text: String) -> Bool {
        let letters = text.hasPrefix(" ") ? text.unicodeScalars.dropFirst() : text.unicodeScalars[...]
        return !letters.isEmpty && letters.allSatisfy { scalar in
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
            default: return false
            }
        }
    }

    /// `--tokenizer FILE`, else the model's tokenizer (the default model's when no
    /// `--model`), with the files the picture must never be written over.
    static func loadTokenizer(_ arguments: Arguments) throws -> (Tokenizer, [URL]) {
        if arguments.has("--tokenizer") && arguments.has("--model") {
            throw CLIError.usage("give --tokenizer or --model, not both", command: "picture")
        }
        if let path = arguments.string("--tokenizer") {
            let url = URL(fileURLWithPath: path)
            return (try Tokenizer(contentsOf: url), [url])
        }
        let source = try ModelSource(url: DefaultModel.resolve(arguments.string("--model")))
        guard let tokenizer = try source.loadTokenizer() else {
            throw ModelError.noTokenizer(folder: source.url.path)
        }
        return (tokenizer, source.inputFiles)
    }

    var svg: String {
        let e = explanation
        let byteCount = e.steps[0].count
        let cell = min(56.0, 640.0 / Double(max(byteCount, 1)))
        let rowHeight = 34.0, gridX = 120.0, top = 96.0
        let height = Int(top + Double(e.steps.count) * (rowHeight + 8) + 100)
        var svg = SVGDocument(width: 960, height: height)
        svg.text("Byte-pair encoding of \(Explanation.quoted(Array(e.text.utf8))), one merge per row", x: 24, y: 30,
                 size: 17, bold: true)
        svg.text("Start from single bytes; repeatedly join the adjacent pair whose bytes form the lowest-ranked token "
                 + "(the leftmost on a tie), until no pair is a token.", x: 24, y: 50, color: PictureColor.note)
        svg.text("The rank is the token's id: lower ranks were merged earlier when the vocabulary was learned, the commoner "
                 + "pieces. · is a space.", x: 24, y: 66, color: PictureColor.note)
        for (row, parts) in e.steps.enumerated() {
            let y = top + Double(row) * (rowHeight + 8)
            svg.text(row == 0 ? "bytes" : "merge \(row)", x: gridX - 12, y: y + 22, anchor: .end, bold: row == 0)
            var column = 0
            let merged = row > 0 ? e.merges[row - 1].index : -1
            for (index, part) in parts.enumerated() {
                let x = gridX + Double(column) * cell
                let width = Double(part.count) * cell
                let isNew = index == merged
                svg.rect(x: x + 1, y: y, width: width - 2, height: rowHeight,
                         fill: isNew ? "#fdd49e" : (part.count > 1 ? "#dbe9f6" : PictureColor.data),
                         stroke: isNew ? "#d94801" : "#777777", corner: 3)
                svg.text(Explanation.visible(part), x: x + width / 2, y: y + 22, anchor: .middle, size: 13,
                         bold: isNew, monospace: true)
                column += part.count
            }
            if row > 0 {
                let merge = e.merges[row - 1]
                svg.text("\(Explanation.quoted(parts[merge.index])) rank \(merge.rank)",
                         x: gridX + Double(byteCount) * cell + 16, y: y + 22, size: 12)
            }
        }
        // The ids under the last row.
        let lastY = top + Double(e.steps.count) * (rowHeight + 8)
        var column = 0
        for (part, id) in zip(e.steps[e.steps.count - 1], e.ids) {
            let x = gridX + Double(column) * cell, width = Double(part.count) * cell
            svg.text("id \(id)", x: x + width / 2, y: lastY + 12, anchor: .middle, size: 12, bold: true)
            column += part.count
        }
        svg.text("tokens", x: gridX - 12, y: lastY + 12, anchor: .end, bold: true)
        svg.text("No pair of the last row is a token, so merging stops: \(e.ids.count) token\(e.ids.count == 1 ? "" : "s") "
                 + "for \(byteCount) bytes. Tokenizer.encode gives the same ids.", x: 24, y: lastY + 44,
                 color: PictureColor.note)
        let items = [(PictureColor.data, "one byte"), ("#dbe9f6", "a merged token"), ("#fdd49e", "the merge of this row")]
        for (index, item) in items.enumerated() {
            let x = 24 + Double(index) * 200
            svg.rect(x: x, y: lastY + 60, width: 12, height: 12, fill: item.0, stroke: "#999999")
            svg.text(item.1, x: x + 18, y: lastY + 70, size: 11)
        }
        return svg.text
    }
}
