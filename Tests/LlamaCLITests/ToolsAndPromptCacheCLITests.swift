// `chat --tools`, `chat --format json` and `--prompt-cache` as a user runs them, on the
// demo model (which has Llama 3.1's special tokens) and a byte-tokenizer fixture model.

import Foundation
import Testing
import TestSupport

@Suite("llama-cli tools and prompt caches")
struct ToolsAndPromptCacheCLITests {
    static let demo = Fixtures.repositoryRoot.appendingPathComponent("Models/demo").path

    @Test func generateSavesThenResumesFromItsPromptCache() throws {
        let folder = try Fixtures.temporaryFolder("cli-prompt-cache")
        let file = folder.appendingPathComponent("prompt.cache").path
        let arguments = ["generate", "--model", Self.demo, "--prompt", "The csv module implements classes to",
                         "--temperature", "0", "--max-tokens", "8", "--format", "json", "--prompt-cache", file]
        let first = try CLI.run(arguments)
        #expect(first.status == 0, "\(first.stderr)")
        let firstLines = try first.jsonLines()
        let firstStats = try #require(firstLines.last?["stats"] as? [String: Any])
        #expect(firstStats["prefilled_tokens"] as? Int == firstStats["prompt_tokens"] as? Int)
        #expect(firstStats.keys.contains("prompt_cache_tokens") == false)
        #expect(FileManager.default.fileExists(atPath: file))

        let second = try CLI.run(arguments)
        #expect(second.status == 0, "\(second.stderr)")
        let secondLines = try second.jsonLines()
        let secondStats = try #require(secondLines.last?["stats"] as? [String: Any])
        #expect(secondStats["prefilled_tokens"] as? Int == 1)
        let promptTokens = try #require(firstStats["prompt_tokens"] as? Int)
        #expect(secondStats["prompt_cache_tokens"] as? Int == promptTokens)
        #expect((secondStats["prompt_cache_saved_prefill_seconds"] as? Double ?? 0) > 0)
        #expect(secondLines.compactMap { $0["id"] as? Int } == firstLines.compactMap { $0["id"] as? Int })

        // Text stats name the saved time too.
        let text = try CLI.run(Array(arguments.dropLast(4)) + ["--prompt-cache", file, "--stats"])
        #expect(text.stderr.contains("[prompt cache: \(promptTokens) tokens restored in"))

        // Another prompt is refused in one line.
        expectError(try CLI.run(["generate", "--model", Self.demo, "--prompt", "Another beginning",
                                 "--prompt-cache", file]), mentioning: "the prompt does not start with the cache's")
    }

    @Test func chatSavesItsOpeningAndResumesFromIt() throws {
        let folder = try Fixtures.temporaryFolder("cli-chat-prompt-cache")
        let file = folder.appendingPathComponent("chat.cache").path
        let arguments = ["chat", "--model", Self.demo, "--system", "You explain Python modules in one sentence.",
                         "--temperature", "0", "--max-tokens", "4", "--format", "json", "--prompt-cache", file]
        let first = try CLI.run(arguments, stdin: "What is os?\n")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(FileManager.default.fileExists(atPath: file))
        let second = try CLI.run(arguments, stdin: "What is os?\n")
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("[prompt cache: "))
        let firstStats = try #require(try first.jsonLines().last?["stats"] as? [String: Any])
        let secondStats = try #require(try second.jsonLines().last?["stats"] as? [String: Any])
        #expect((secondStats["prefilled_tokens"] as? Int ?? 0) < (firstStats["prefilled_tokens"] as? Int ?? 0))
        #expect(try second.jsonLines().compactMap { $0["id"] as? Int } == (try first.jsonLines().compactMap { $0["id"] as? Int }))
    }

    @Test func chatWithToolsPrintsJSONLinesPerReply() throws {
        let folder = try Fixtures.temporaryFolder("cli-tools")
        let tools = folder.appendingPathComponent("tools.json")
        try Data("""
            ["brave_search", {"name": "get_weather", "description": "Weather in a city",
              "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "The city"}},
                             "required": ["city"]}}]
            """.utf8).write(to: tools)
        let result = try CLI.run(["chat", "--model", Self.demo, "--tools", tools.path, "--temperature", "0",
                                  "--max-tokens", "3", "--format", "json"],
                                 stdin: "Weather in Paris?\n/tool completed\n")
        #expect(result.status == 0, "\(result.stderr)")
        let lines = try result.jsonLines()
        #expect(lines.filter { $0["stats"] != nil }.count == 2, "one summary per reply: the message, then the tool output")
        #expect(lines.filter { $0["id"] != nil }.count == 6)
        // Every line is a token, a tool call or a summary.
        #expect(lines.allSatisfy { $0["id"] != nil || $0["stats"] != nil || $0["tool_call"] != nil || $0["text"] != nil })

        expectError(try CLI.run(["chat", "--model", Self.demo, "--tools", "/no/tools.json"]), mentioning: "/no/tools.json")
        try Data(#"["web_search"]"#.utf8).write(to: tools)
        expectError(try CLI.run(["chat", "--model", Self.demo, "--tools", tools.path]), mentioning: "unknown built-in tool 'web_search'")
        try Data(#"[{"description": "no name"}]"#.utf8).write(to: tools)
        expectError(try CLI.run(["chat", "--model", Self.demo, "--tools", tools.path]), mentioning: "expected a \"name\" string")
        try Data("[{".utf8).write(to: tools)
        expectError(try CLI.run(["chat", "--model", Self.demo, "--tools", tools.path]), mentioning: "invalid JSON at byte")
        let noTools = try CLI.run(["chat", "--model", Self.demo, "--max-tokens", "1"], stdin: "/tool 42\n")
        #expect(noTools.stderr.contains("[no tools: start the chat with --tools FILE]"))
    }
}

@Suite("Chapter 16's session examples")
struct SessionExamplesTests {
    /// Documentation/Examples/llama-sessions runs on the demo model and prints what the
    /// chapter says it does.
    @Test func theSessionExamplesRunOnTheDemoModel() throws {
        let demo = Fixtures.repositoryRoot.appendingPathComponent("Models/demo").path
        let result = try CLI.run([demo], executable: try Fixtures.executable("llama-sessions").path)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        // Two turns: the second runs fewer prompt tokens than it has.
        let runs = lines.filter { $0.hasPrefix("[ran ") }
        #expect(runs.count == 2)
        #expect(lines.contains("[5 messages]"))
        #expect(lines.contains("[stopped: cancelled; 0 messages]"))
        #expect(lines.contains { $0.hasPrefix("[tools: ") })
        let cache = try #require(lines.first { $0.hasPrefix("[prompt cache: ") })
        #expect(cache.contains("tokens restored, ran "))
    }
}
