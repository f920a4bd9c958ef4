// The chapters stay true to the code. A chapter that drifts fails here:
//   - an excerpt (`<!-- excerpt: PATH#NAME -->` before a ```swift block) must equal the
//     region of PATH between `// doc: NAME` and `// doc: end`;
//   - a `$ llama-cli ...` line in a ```console block must print what the chapter shows;
//   - a picture after a `picture: llama-cli ... --out PATH` comment must be what that
//     command draws now, byte for byte;
//   - a quote (`<!-- quote: PATH -->` before a fenced block) must appear in PATH as it is
//     shown, line for line, apart from indentation and `// ...` elisions;
//   - a quote of Meta's reference code (`<!-- meta: model.py -->`) must appear in
//     llama-models 0.3.0's `llama_models/llama3/model.py` (checked where that file is at
//     hand: LLAMA_MODELS_DIR, or .cache/llama-models/);
//   - a `pickletools.dis` transcript (`<!-- pickletools: PATH.pth -->`) must show the
//     opcodes that PATH's data.pkl holds at the offsets it names;
//   - relative links must lead to files that exist, and so must the chapters that source
//     file headers name;
//   - every public declaration of the four libraries must have a `///` doc comment.

import Foundation
import Testing
import TestSupport

private let root = Fixtures.repositoryRoot

/// Every Markdown file of the documentation, plus the READMEs that link into it.
private func markdownFiles() throws -> [URL] {
    var files = [root.appendingPathComponent("README.md"),
                 root.appendingPathComponent("Models/demo/README.md")]
    let folder = root.appendingPathComponent("Documentation")
    let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
    while let url = enumerator?.nextObject() as? URL {
        if url.pathExtension == "md" { files.append(url) }
    }
    return files.filter { FileManager.default.fileExists(atPath: $0.path) }.sorted { $0.path < $1.path }
}

private func swiftFiles(under folder: String) -> [URL] {
    let enumerator = FileManager.default.enumerator(at: root.appendingPathComponent(folder), includingPropertiesForKeys: nil)
    var files: [URL] = []
    while let url = enumerator?.nextObject() as? URL {
        if url.pathExtension == "swift" { files.append(url) }
    }
    return files.sorted { $0.path < $1.path }
}

private func lines(_ url: URL) throws -> [String] {
    try String(contentsOf: url, encoding: .utf8).components(separatedBy: "\n")
}

private func relative(_ url: URL) -> String {
    String(url.path.dropFirst(root.path.count + 1))
}

/// A `<!-- KIND ARGUMENT -->` line in a chapter: an excerpt or a picture to check.
private struct Marker {
    let file: URL
    /// All lines of `file`; the marker is `lines[index]`.
    let lines: [String]
    let index: Int
    /// What stands between the kind and ` -->`.
    let argument: String
    /// `file:line`, for messages.
    var place: String { "\(relative(file)):\(index + 1)" }
}

/// Every line of the Markdown files holding `opening` (such as `<!-- excerpt: `).
private func markers(_ opening: String) throws -> [Marker] {
    var found: [Marker] = []
    for file in try markdownFiles() {
        let all = try lines(file)
        for (index, line) in all.enumerated() {
            guard let range = line.range(of: opening), let close = line.range(of: " -->") else { continue }
            found.append(Marker(file: file, lines: all, index: index,
                                argument: String(line[range.upperBound..<close.lowerBound])))
        }
    }
    return found
}

/// `text` with the indentation all its non-empty lines share removed.
func dedent(_ text: [String]) -> [String] {
    let indents = text.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        .map { $0.prefix { $0 == " " }.count }
    let common = indents.min() ?? 0
    return text.map { $0.count >= common ? String($0.dropFirst(common)) : $0.trimmingCharacters(in: .whitespaces) }
}

/// The lines of the region `// doc: name` ... `// doc: end` in a source file.
func region(_ name: String, in url: URL) throws -> [String]? {
    let all = try lines(url)
    let starts = all.indices.filter { all[$0].trimmingCharacters(in: .whitespaces) == "// doc: \(name)" }
    guard starts.count == 1, let start = starts.first else { return nil }
    guard let end = all[(start + 1)...].firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "// doc: end" }) else {
        return nil
    }
    return dedent(Array(all[(start + 1)..<end]))
}

/// A fenced block that follows line `index` (the opening fence), up to the closing fence.
private func fencedBlock(_ all: [String], openingAt index: Int) -> [String] {
    var body: [String] = []
    var i = index + 1
    while i < all.count, all[i].trimmingCharacters(in: .whitespaces) != "```" {
        body.append(all[i])
        i += 1
    }
    return body
}

@Suite("Documentation")
struct DocumentationTests {
    @Test func excerptsMatchTheirSourceRegions() throws {
        var count = 0
        for marker in try markers("<!-- excerpt: ") {
            let reference = marker.argument, place = marker.place
            let parts = reference.split(separator: "#", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { Issue.record("\(place): expected PATH#NAME, found \(reference)"); continue }
            let source = root.appendingPathComponent(parts[0])
            guard FileManager.default.fileExists(atPath: source.path) else {
                Issue.record("\(place): \(parts[0]) does not exist")
                continue
            }
            guard let expected = try region(parts[1], in: source) else {
                Issue.record("\(place): no single region '// doc: \(parts[1])' ... '// doc: end' in \(parts[0])")
                continue
            }
            guard marker.index + 1 < marker.lines.count, marker.lines[marker.index + 1].hasPrefix("```swift") else {
                Issue.record("\(place): the excerpt marker must be followed by a ```swift block")
                continue
            }
            let shown = fencedBlock(marker.lines, openingAt: marker.index + 1)
            #expect(shown == expected, "\(place): the excerpt differs from \(parts[0])#\(parts[1]); copy the region again")
            count += 1
        }
        #expect(count >= 10, "expected the chapters to show at least 10 excerpts, found \(count)")
    }

    @Test func everyRegionMarkerIsClosedAndUnique() throws {
        for file in swiftFiles(under: "Sources") + swiftFiles(under: "Documentation") {
            let all = try lines(file)
            var open: String? = nil
            var names = Set<String>()
            for (index, line) in all.enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard trimmed.hasPrefix("// doc: ") else { continue }
                let name = String(trimmed.dropFirst("// doc: ".count))
                let place = "\(relative(file)):\(index + 1)"
                if name == "end" {
                    #expect(open != nil, "\(place): '// doc: end' without an open region")
                    open = nil
                } else {
                    #expect(open == nil, "\(place): region \(name) opens inside region \(open ?? "")")
                    #expect(names.insert(name).inserted, "\(place): region \(name) appears twice")
                    open = name
                }
            }
            #expect(open == nil, "\(relative(file)): region \(open ?? "") is never closed")
        }
    }

    @Test func relativeLinksResolve() throws {
        let link = try Regex(#"\]\(([^)\s]+)\)"#)
        for file in try markdownFiles() {
            for (index, line) in try lines(file).enumerated() {
                for match in line.matches(of: link) {
                    guard let target = match.output[1].substring.map(String.init) else { continue }
                    if target.hasPrefix("http://") || target.hasPrefix("https://") || target.hasPrefix("mailto:")
                        || target.hasPrefix("#") { continue }
                    let path = String(target.split(separator: "#", maxSplits: 1)[0])
                    let resolved = file.deletingLastPathComponent().appendingPathComponent(path).standardizedFileURL
                    #expect(FileManager.default.fileExists(atPath: resolved.path),
                            "\(relative(file)):\(index + 1): link to \(target) leads nowhere")
                }
            }
        }
    }

    @Test func sourceHeadersNameChaptersThatExist() throws {
        let chapter = try Regex(#"Documentation/([0-9]{2}-[A-Za-z0-9-]+\.md)"#)
        var count = 0
        for file in swiftFiles(under: "Sources") {
            let header = try lines(file).prefix(30)
            // The four libraries: every file says where it is explained.
            #expect(!relative(file).hasPrefix("Sources/Llama") || header.contains { $0.hasPrefix("//") && $0.contains("Documentation/") },
                    "\(relative(file)): the header comment should name the chapter that explains this file")
            for (index, line) in header.enumerated() {
                for match in line.matches(of: chapter) {
                    guard let name = match.output[1].substring else { continue }
                    let path = root.appendingPathComponent("Documentation/\(name)").path
                    #expect(FileManager.default.fileExists(atPath: path), "\(relative(file)):\(index + 1): names \(name), which does not exist")
                    count += 1
                }
            }
        }
        #expect(count > 30)
    }

    @Test func everyPublicDeclarationHasADocComment() throws {
        let declaration = try Regex(
            #"^\s*(?:@[\w.]+(?:\([^)]*\))?\s+)*public\s+(?:(?:static|final|override|mutating|nonmutating|nonisolated|indirect|convenience|required|lazy|weak|unowned|(?:private|fileprivate|internal|package)\(set\))\s+)*(?:func|var|let|init|struct|class|enum|case|protocol|typealias|subscript|actor)\b"#)
        var missing: [String] = []
        var checked = 0
        for module in ["LlamaTensor", "LlamaLoader", "LlamaTokenizer", "LlamaModel"] {
            for file in swiftFiles(under: "Sources/\(module)") {
                let all = try lines(file)
                for (index, line) in all.enumerated() where line.firstMatch(of: declaration) != nil {
                    checked += 1
                    // Walk up over attributes on lines of their own.
                    var previous = index - 1
                    while previous >= 0, all[previous].trimmingCharacters(in: .whitespaces).hasPrefix("@") {
                        previous -= 1
                    }
                    let above = previous >= 0 ? all[previous].trimmingCharacters(in: .whitespaces) : ""
                    if !(above.hasPrefix("///") || above.hasSuffix("*/")) {
                        missing.append("\(relative(file)):\(index + 1): \(line.trimmingCharacters(in: .whitespaces))")
                    }
                }
            }
        }
        #expect(missing.isEmpty, "public declarations without a /// doc comment:\n\(missing.joined(separator: "\n"))")
        // A pattern that matched nothing would pass vacuously.
        #expect(checked > 200, "found only \(checked) public declarations; is the pattern still right?")
    }
}

// MARK: - Quotes

/// Whether a line of a shown block stands for lines left out (`...`, `// ...`, `# ...`).
private func isElision(_ line: String) -> Bool {
    ["...", "// ...", "# ..."].contains(line.trimmingCharacters(in: .whitespaces))
}

/// The parts of a shown block between its elision lines, each without its common indentation
/// and trailing spaces.
func quoteParts(_ block: [String]) -> [[String]] {
    var parts: [[String]] = [[]]
    for line in block {
        if isElision(line) { parts.append([]) } else { parts[parts.count - 1].append(line) }
    }
    return parts.filter { !$0.isEmpty }.map { part in
        dedent(part.map { String($0.reversed().drop { $0 == " " }.reversed()) })
    }
}

/// Whether every part of `block` appears in `source` as consecutive lines (indentation
/// aside), each part after the one before it. Returns the first part that does not.
func missingPart(of block: [String], in source: [String]) -> [String]? {
    let lines = source.map { String($0.reversed().drop { $0 == " " }.reversed()) }
    var from = 0
    for part in quoteParts(block) {
        let found = lines.indices.dropFirst(from).first { start in
            start + part.count <= lines.count && dedent(Array(lines[start..<(start + part.count)])) == part
        }
        guard let start = found else { return part }
        from = start + part.count
    }
    return nil
}

/// The folder holding Meta's `model.py` and `generation.py` (llama-models 0.3.0):
/// `LLAMA_MODELS_DIR`, else `.cache/llama-models/`, where Scripts/fetch-tokenizer.sh puts
/// them beside tokenizer.model (Scripts/test.sh runs it first).
private let metaFolder: URL = {
    if let folder = ProcessInfo.processInfo.environment["LLAMA_MODELS_DIR"] { return URL(fileURLWithPath: folder) }
    return root.appendingPathComponent(".cache/llama-models")
}()

/// The bytes of the stored (uncompressed) zip entry whose name ends with `suffix`, found
/// through the central directory, as PyTorch writes it.
func storedZipEntry(endingWith suffix: String, in data: [UInt8]) -> [UInt8]? {
    func u16(_ i: Int) -> Int { Int(data[i]) | Int(data[i + 1]) << 8 }
    func u32(_ i: Int) -> Int { u16(i) | u16(i + 2) << 16 }
    guard data.count >= 22,
          let end = stride(from: data.count - 22, through: 0, by: -1).first(where: { u32($0) == 0x0605_4B50 })
    else { return nil }
    var record = u32(end + 16)
    for _ in 0..<u16(end + 10) {
        guard record + 46 <= data.count, u32(record) == 0x0201_4B50 else { return nil }
        let size = u32(record + 20), nameLength = u16(record + 28)
        let name = String(decoding: data[(record + 46)..<(record + 46 + nameLength)], as: UTF8.self)
        if name.hasSuffix(suffix) && u16(record + 10) == 0 {
            let local = u32(record + 42)
            let start = local + 30 + u16(local + 26) + u16(local + 28)
            return start + size <= data.count ? Array(data[start..<(start + size)]) : nil
        }
        record += 46 + nameLength + u16(record + 30) + u16(record + 32)
    }
    return nil
}

@Suite("Documentation quotes")
struct QuoteTests {
    /// A quote shows code that has no `// doc:` region (a plain reference kernel, part of the
    /// generation loop) as it is in the file: it cannot drift either.
    @Test func quotesAppearInTheirFiles() throws {
        var count = 0
        for marker in try markers("<!-- quote: ") {
            let place = marker.place
            let source = root.appendingPathComponent(marker.argument)
            guard FileManager.default.fileExists(atPath: source.path) else {
                Issue.record("\(place): \(marker.argument) does not exist")
                continue
            }
            guard marker.index + 1 < marker.lines.count, marker.lines[marker.index + 1].hasPrefix("```") else {
                Issue.record("\(place): the quote marker must be followed by a fenced block")
                continue
            }
            let shown = fencedBlock(marker.lines, openingAt: marker.index + 1)
            if let part = missingPart(of: shown, in: try lines(source)) {
                Issue.record("\(place): these lines are not in \(marker.argument) as shown:\n\(part.joined(separator: "\n"))")
            }
            count += 1
        }
        #expect(count >= 20, "expected at least 20 quotes in the chapters, found \(count)")
    }

    /// Chapters 9-12 and 15 put Meta's lines beside ours; each quote is a ```python block.
    @Test func metaQuotesAreWellFormed() throws {
        let quotes = try markers("<!-- meta: ")
        for marker in quotes {
            #expect(["model.py", "generation.py"].contains(marker.argument),
                    "\(marker.place): quotes name model.py or generation.py, found \(marker.argument)")
            #expect(marker.index + 1 < marker.lines.count && marker.lines[marker.index + 1].hasPrefix("```python"),
                    "\(marker.place): a quote of Meta's code must be followed by a ```python block")
        }
        #expect(quotes.count >= 12, "expected at least 12 quotes of Meta's code, found \(quotes.count)")
    }

    /// Each quote of Meta's code is in llama-models 0.3.0 as shown.
    @Test func metaQuotesAppearInMetasCode() throws {
        for marker in try markers("<!-- meta: ") {
            let file = metaFolder.appendingPathComponent(marker.argument)
            guard FileManager.default.fileExists(atPath: file.path) else {
                Issue.record("\(marker.place): \(file.path) does not exist; run Scripts/fetch-tokenizer.sh (or set LLAMA_MODELS_DIR)")
                continue
            }
            let shown = fencedBlock(marker.lines, openingAt: marker.index + 1)
            if let part = missingPart(of: shown, in: try lines(file)) {
                Issue.record("\(marker.place): these lines are not in Meta's \(marker.argument) as shown:\n\(part.joined(separator: "\n"))")
            }
        }
    }

    /// A transcript of `pickletools.dis` names, per line, a byte offset and the opcode byte
    /// found there (`0: \x80 PROTO 2`); the pickle of the named checkpoint must hold those
    /// bytes at those offsets, so the transcript is of that file.
    @Test func pickleTranscriptsShowTheFilesOpcodes() throws {
        let line = try Regex(#"^\s*([0-9]+): (\\x[0-9a-f]{2}|\S)\s+[A-Z_0-9]+"#)
        var count = 0
        for marker in try markers("<!-- pickletools: ") {
            let place = marker.place
            let data = try [UInt8](Data(contentsOf: root.appendingPathComponent(marker.argument)))
            guard let pickle = storedZipEntry(endingWith: "/data.pkl", in: data) else {
                Issue.record("\(place): no stored data.pkl in \(marker.argument)")
                continue
            }
            var checked = 0
            for shown in fencedBlock(marker.lines, openingAt: marker.index + 1) {
                guard let match = shown.firstMatch(of: line),
                      let offset = Int(match.output[1].substring ?? ""),
                      let opcode = match.output[2].substring else { continue }
                let byte = opcode.hasPrefix("\\x") ? UInt8(opcode.dropFirst(2), radix: 16) : opcode.utf8.first
                #expect(offset < pickle.count && pickle[offset] == byte,
                        "\(place): data.pkl of \(marker.argument) does not hold \(opcode) at byte \(offset)")
                checked += 1
            }
            #expect(checked >= 10, "\(place): expected a transcript of at least 10 opcodes, found \(checked)")
            count += 1
        }
        #expect(count >= 1, "expected a pickle transcript in the chapters")
    }
}

// MARK: - Transcripts

/// The built llama-cli with `arguments`, run from the repository root as the chapters'
/// commands are, with no `LLAMA_MODEL` from the environment (so the default model is used).
private func llamaCLI(_ arguments: [String]) throws -> Process {
    let process = Process()
    process.executableURL = try Fixtures.llamaCLI()
    process.arguments = arguments
    process.currentDirectoryURL = root
    var environment = ProcessInfo.processInfo.environment
    environment["LLAMA_MODEL"] = nil
    process.environment = environment
    return process
}

/// Splits a shell command line into words: spaces separate, "double" and 'single' quotes
/// group (enough for the transcripts in the chapters).
func shellWords(_ line: String) -> [String] {
    var words: [String] = [], current = "", quote: Character? = nil, inWord = false
    for character in line {
        if let open = quote {
            if character == open { quote = nil } else { current.append(character) }
        } else if character == "\"" || character == "'" {
            quote = character
            inWord = true
        } else if character == " " {
            if inWord { words.append(current); current = ""; inWord = false }
        } else {
            current.append(character)
            inWord = true
        }
    }
    if inWord { words.append(current) }
    return words
}

@Suite("Documentation transcripts")
struct TranscriptTests {
    /// Each `$ llama-cli ...` line of a ```console block is run from the repository root
    /// (so the demo model is the default), and must print exactly the lines after it.
    @Test func consoleTranscriptsMatchWhatTheToolPrints() throws {
        var count = 0
        for file in try markdownFiles() {
            let all = try lines(file)
            for (index, line) in all.enumerated() where line.hasPrefix("```console") {
                let block = fencedBlock(all, openingAt: index)
                var i = 0
                while i < block.count {
                    guard block[i].hasPrefix("$ llama-cli ") else { i += 1; continue }
                    let words = Array(shellWords(String(block[i].dropFirst(2))).dropFirst())
                    var expected: [String] = []
                    var j = i + 1
                    while j < block.count, !block[j].hasPrefix("$ ") {
                        expected.append(block[j])
                        j += 1
                    }
                    let process = try llamaCLI(words)
                    let output = Pipe()
                    process.standardOutput = output
                    process.standardError = FileHandle.nullDevice
                    try process.run()
                    let data = output.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    let printed = String(decoding: data, as: UTF8.self)
                    let place = "\(relative(file)):\(index + i + 2)"
                    #expect(process.terminationStatus == 0, "\(place): exit status \(process.terminationStatus)")
                    #expect(printed.trimmingCharacters(in: .newlines) == expected.joined(separator: "\n").trimmingCharacters(in: .newlines),
                            "\(place): the transcript differs from what llama-cli prints now:\n\(printed)")
                    count += 1
                    i = j
                }
            }
        }
        #expect(count >= 3, "expected at least 3 transcripts in the chapters, found \(count)")
    }
}

// MARK: - Pictures

@Suite("Documentation pictures")
struct PictureTests {
    /// Each `<!-- picture: llama-cli ... --out PATH -->` line names the command that drew
    /// the picture shown on the next line (PATH is relative to the repository root). Run
    /// again from the root (so the demo model is the default) into a temporary file, it
    /// must write the same bytes: the picture cannot drift from what the tool draws.
    @Test func picturesAreWhatTheToolDrawsNow() throws {
        var count = 0
        for marker in try markers("<!-- picture: llama-cli ") {
            let place = marker.place, file = marker.file
            var words = shellWords(marker.argument)
            guard let flag = words.firstIndex(of: "--out"), flag + 1 < words.count else {
                Issue.record("\(place): the picture command needs --out PATH")
                continue
            }
            let path = words[flag + 1]
            let image = file.deletingLastPathComponent().appendingPathComponent(
                String(path.dropFirst("Documentation/".count))).standardizedFileURL
            #expect(path.hasPrefix("Documentation/") && image == root.appendingPathComponent(path).standardizedFileURL,
                    "\(place): --out should be a path under Documentation/")
            let shown = marker.lines.dropFirst(marker.index + 1).first { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? ""
            #expect(shown.contains("](\(image.path.dropFirst(file.deletingLastPathComponent().path.count + 1)))"),
                    "\(place): the next line should show \(path)")

            let fresh = try Fixtures.temporaryFolder("picture").appendingPathComponent("picture.svg")
            words[flag + 1] = fresh.path
            let process = try llamaCLI(words)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(place): exit status \(process.terminationStatus)")
            let committed = try Data(contentsOf: root.appendingPathComponent(path))
            #expect(try Data(contentsOf: fresh) == committed,
                    "\(place): \(path) differs from what llama-cli draws now; run the command in the comment to redraw it")
            count += 1
        }
        #expect(count >= 1, "expected at least one checked picture in the chapters, found \(count)")
    }
}
