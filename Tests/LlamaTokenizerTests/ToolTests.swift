// Tool calling against Meta's llama_models 3.1 code (tools.json, written by
// Scripts/make_tool_fixtures.py): the opening messages and their ids, whole tool
// conversations, reading replies, writing calls back, tool responses.

import Foundation
import LlamaTokenizer
import Testing
import TestSupport

@Suite struct ToolTests {
    /// tools.json read with our own JSON reader, so tool-call arguments keep their order.
    static func fixture() throws -> JSONValue {
        try JSONValue(parsing: String(decoding: try Data(contentsOf: Fixtures.url("tokenizer/tools.json")), as: UTF8.self))
    }

    /// The fixture's date (noon, so every time zone reads the same day).
    static func today(_ fixture: JSONValue) throws -> Date {
        let parts = try #require(fixture["today"]?.string).split(separator: "-").compactMap { Int($0) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .current
        return try #require(calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: 12)))
    }

    static func ids(_ value: JSONValue?) throws -> [Int32] {
        guard case .array(let items)? = value else { throw FixtureError("expected an array of ids") }
        return try items.map { item in
            guard case .number(let text) = item, let id = Int32(text) else { throw FixtureError("expected an id") }
            return id
        }
    }

    static func message(_ value: JSONValue) throws -> ChatFormat.Message {
        let role = try #require(ChatFormat.Role(rawValue: value["role"]?.string ?? ""))
        let call = try value["toolCall"].map { call in
            ToolCall(name: try #require(call["name"]?.string), arguments: try #require(call["arguments"]))
        }
        return ChatFormat.Message(role: role, content: value["content"]?.string ?? "",
                                  stopReason: value["stopReason"]?.string == "endOfMessage" ? .endOfMessage : .endOfTurn,
                                  toolCall: call)
    }

    static func toolSpec(_ value: JSONValue) throws -> ToolSpec {
        guard case .array(let parameters)? = value["parameters"] else { throw FixtureError("expected parameters") }
        return ToolSpec(name: try #require(value["name"]?.string), description: try #require(value["description"]?.string),
                        parameters: try parameters.map { p in
                            ToolSpec.Parameter(name: try #require(p["name"]?.string), type: try #require(p["type"]?.string),
                                               description: try #require(p["description"]?.string),
                                               required: p["required"] == .bool(true))
                        })
    }

    @Test func openingMessagesAreMetas() throws {
        let fixture = try Self.fixture()
        let chat = try ChatFormat(tokenizer: try LlamaTokenizerFixture.load())
        guard case .array(let prompts)? = fixture["prompts"] else { throw FixtureError("expected prompts") }
        #expect(prompts.count >= 5)
        for prompt in prompts {
            let configuration = try #require(prompt["configuration"])
            guard case .array(let builtin)? = configuration["builtin"], case .array(let custom)? = configuration["custom"],
                  case .array(let expected)? = prompt["messages"] else { throw FixtureError("expected a configuration") }
            let tools = ToolPrompt(builtinTools: try builtin.map { try #require(BuiltinTool(rawValue: $0.string ?? "")) },
                                   customTools: try custom.map(Self.toolSpec), today: try Self.today(fixture))
            let messages = tools.messages(systemMessage: configuration["instruction"]?.string)
            #expect(messages == (try expected.map(Self.message)), "\(configuration)")
            #expect(chat.encodeDialogPrompt(messages) == (try Self.ids(prompt["ids"])), "\(configuration)")
        }
    }

    @Test func toolConversationsEncodeAsMetas() throws {
        let fixture = try Self.fixture()
        let tokenizer = try LlamaTokenizerFixture.load()
        let chat = try ChatFormat(tokenizer: tokenizer)
        guard case .array(let dialogs)? = fixture["dialogs"] else { throw FixtureError("expected dialogs") }
        #expect(dialogs.count == 3)
        for dialog in dialogs {
            guard case .array(let messages)? = dialog["messages"] else { throw FixtureError("expected messages") }
            let dialogMessages = try messages.map(Self.message)
            #expect(dialogMessages.contains { $0.toolCall != nil })
            #expect(chat.encodeDialogPrompt(dialogMessages) == (try Self.ids(dialog["ids"])))
        }
        // A tool call opens with <|python_tag|> and waits with <|eom_id|>.
        let call = chat.encodeMessage(.init(role: .assistant, content: "", stopReason: .endOfMessage,
                                            toolCall: ToolCall(name: "brave_search", arguments: .object([("query", .string("x"))]))))
        #expect(call.contains(try #require(tokenizer.specialTokenID("<|python_tag|>"))))
        #expect(call.last == tokenizer.endOfMessage)
    }

    @Test func repliesAreReadAsMetasDecoderReadsThem() throws {
        let fixture = try Self.fixture()
        guard case .array(let replies)? = fixture["replies"] else { throw FixtureError("expected replies") }
        #expect(replies.count >= 15)
        for reply in replies {
            let text = try #require(reply["text"]?.string)
            let (content, call) = ToolCall.parse(reply: text)
            #expect(content == reply["content"]?.string, "\(text)")
            if let expected = reply["toolCall"] {
                #expect(call?.name == expected["name"]?.string, "\(text)")
                #expect(call?.arguments == expected["arguments"], "\(text)")
                #expect(call?.promptText == expected["encoded"]?.string, "\(text)")
            } else {
                #expect(call == nil, "\(text)")
            }
        }
    }

    @Test func toolResponsesAreMetas() throws {
        let fixture = try Self.fixture()
        guard case .array(let responses)? = fixture["responses"] else { throw FixtureError("expected responses") }
        #expect(responses.count == 2)
        for response in responses {
            #expect(ToolPrompt.toolResponse(succeeded: response["succeeded"] == .bool(true),
                                            output: try #require(response["output"]?.string))
                    == response["content"]?.string)
        }
    }

    @Test func toolSpecsReadJSONSchemaDefinitions() throws {
        let tools = try ToolSpec.list(fromJSON: """
            [{"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
              "parameters": {"type": "object", "properties": {"unit": {"type": "string", "description": "c or f"},
                                                               "city": {"type": "string", "description": "The city"}},
                             "required": ["city"]}}},
             {"name": "now", "description": "The time"}]
            """)
        #expect(tools == [
            ToolSpec(name: "get_weather", description: "Weather in a city",
                     parameters: [.init(name: "unit", type: "string", description: "c or f", required: false),
                                  .init(name: "city", type: "string", description: "The city", required: true)]),
            ToolSpec(name: "now", description: "The time"),
        ])
        #expect(throws: TokenizerError.self) { try ToolSpec.list(fromJSON: #"[{"description": "no name"}]"#) }
        #expect(throws: TokenizerError.self) { try ToolSpec.list(fromJSON: #"[{"name": "x"}"#) }
    }

    @Test func jsonIsWrittenAsPythonWritesIt() throws {
        let value = try JSONValue(parsing: #" {"b": [1, -2.50, 1e-7, 3E+20, 9.9e15, true, null], "a": "é\"\\\n\u0001😀", "b2": {}} "#)
        #expect(value.pythonJSON == #"{"b": [1, -2.5, 1e-07, 3e+20, 9900000000000000.0, true, null], "a": "\u00e9\"\\\n\u0001\ud83d\ude00", "b2": {}}"#)
        #expect(value["a"]?.string == "é\"\\\n\u{1}😀")
        for bad in ["", "{", #"{"a" 1}"#, "[1,]", "tru", #""\x""#, "1 2", #"{"a": 1,}"#] {
            #expect(throws: TokenizerError.self, "\(bad)") { try JSONValue(parsing: bad) }
        }
    }
}

/// A fixture that does not have the expected shape.
struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
