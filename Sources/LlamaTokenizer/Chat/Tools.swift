// Tool calling in Llama 3.1's prompt format, as Meta's llama_models code writes and reads it
// (release 0.0.63, the last with the 3.1 prompt templates: LLama31Interface,
// prompt_templates/system_prompts.py and tool_response.py, api/tool_utils.py):
//
// - The system message turns tools on with `Environment: ipython`, names the built-in tools
//   on a `Tools:` line (the code interpreter is implied), and carries the knowledge and
//   today's dates. Custom tools are listed in JSON in a user message that follows it.
// - The model answers a built-in tool with `<|python_tag|>brave_search.call(query="...")`,
//   the code interpreter with `<|python_tag|>` and code, a custom tool with a JSON object
//   `{"type": "function", "name": ..., "parameters": {...}}`, and ends with `<|eom_id|>`
//   when it waits for the result.
// - The result comes back as a message with the role `ipython`.
//
// Meta reads replies with `decode_assistant_message_from_content`; `ToolCall.parse` follows
// it step by step, and `ToolCall.promptText` writes a call back as `encode_tool_call` does.
// Replies in the "python list" format (`[f(a=1)]`) are not read: that format is not what
// these prompts ask for.
// Documentation: Documentation/16-Using-the-Library.md

import Foundation

/// The tools Llama 3.1 was trained to call by name, without a definition in the prompt.
public enum BuiltinTool: String, Sendable, CaseIterable {
    /// Web search: `brave_search.call(query="...")`.
    case braveSearch = "brave_search"
    /// Computation and facts: `wolfram_alpha.call(query="...")`.
    case wolframAlpha = "wolfram_alpha"
    /// Image generation: `photogen.call(query="...")`.
    case photogen
    /// Python code after `<|python_tag|>`; turned on by `Environment: ipython` alone.
    case codeInterpreter = "code_interpreter"
}

/// A tool the app defines: its name, what it does, and its parameters.
///
/// ```swift
/// let weather = ToolSpec(name: "get_weather", description: "Get the current weather in a city",
///                        parameters: [.init(name: "city", type: "string", description: "The city")])
/// ```
public struct ToolSpec: Sendable, Equatable {
    /// One parameter of a tool.
    public struct Parameter: Sendable, Equatable {
        /// The parameter's name, the key of its value in a call's arguments.
        public var name: String
        /// Its JSON-schema type (`string`, `integer`...). Meta's JSON prompt lists only
        /// names and descriptions; the type is kept for the app.
        public var type: String
        /// What the parameter means, shown to the model.
        public var description: String
        /// Whether a call must give it.
        public var required: Bool

        /// Creates a parameter.
        public init(name: String, type: String, description: String, required: Bool = true) {
            self.name = name
            self.type = type
            self.description = description
            self.required = required
        }
    }

    /// The tool's name, which the model writes in a call.
    public var name: String
    /// What the tool does, shown to the model.
    public var description: String
    /// The parameters, in the order the prompt lists them.
    public var parameters: [Parameter]

    /// Creates a tool definition.
    public init(name: String, description: String, parameters: [Parameter] = []) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }

    /// Reads a definition in the common JSON form: `{"name", "description", "parameters"}`
    /// where `parameters` is a JSON schema (`{"type": "object", "properties": {...},
    /// "required": [...]}`), optionally wrapped as `{"type": "function", "function": {...}}`.
    /// Properties keep the order they are written in.
    /// - Throws: `TokenizerError.invalidToolSpec` naming the tool and what is wrong.
    public init(json: JSONValue) throws {
        let definition = json["function"] ?? json
        guard definition.members != nil else { throw TokenizerError.invalidToolSpec(tool: "?", reason: "expected a JSON object") }
        guard let name = definition["name"]?.string, !name.isEmpty else {
            throw TokenizerError.invalidToolSpec(tool: "?", reason: "expected a \"name\" string")
        }
        self.name = name
        description = definition["description"]?.string ?? ""
        parameters = []
        guard let schema = definition["parameters"], schema != .null else { return }
        guard let properties = (schema["properties"] ?? .object([])).members else {
            throw TokenizerError.invalidToolSpec(tool: name, reason: "expected \"parameters\".\"properties\" to be an object")
        }
        var required: [String] = []
        if case .array(let items)? = schema["required"] {
            required = items.compactMap(\.string)
        }
        for (key, property) in properties {
            parameters.append(Parameter(name: key, type: property["type"]?.string ?? "string",
                                        description: property["description"]?.string ?? "",
                                        required: required.contains(key)))
        }
    }

    /// Reads a file's worth of definitions: a JSON array of them, or one.
    /// - Throws: `TokenizerError.invalidJSON` or `.invalidToolSpec`.
    public static func list(fromJSON text: String) throws -> [ToolSpec] {
        let value = try JSONValue(parsing: text)
        if case .array(let items) = value { return try items.map(ToolSpec.init(json:)) }
        return [try ToolSpec(json: value)]
    }
}

/// A call the model asked for: a tool's name and its arguments (a JSON object).
public struct ToolCall: Sendable, Equatable {
    /// The tool's name: a custom tool's, or a built-in tool's raw value.
    public var name: String
    /// The arguments: `{"query": ...}` for a built-in search, `{"code": ...}` for the code
    /// interpreter, the model's object for a custom tool.
    public var arguments: JSONValue

    /// Creates a call.
    public init(name: String, arguments: JSONValue) {
        self.name = name
        self.arguments = arguments
    }

    /// The built-in tool called, if it is one.
    public var builtinTool: BuiltinTool? { BuiltinTool(rawValue: name) }

    /// The call as it goes back into a prompt (after `<|python_tag|>`), as Meta's
    /// `encode_tool_call` writes it in the JSON format: `brave_search.call(query="...")`, the
    /// code itself, or `{"type": "function", "name": ..., "parameters": ...}` in
    /// `json.dumps`'s spelling.
    public var promptText: String {
        switch builtinTool {
        case .braveSearch?, .wolframAlpha?, .photogen?:
            return "\(name).call(query=\"\(Self.pythonText(arguments["query"]))\")"
        case .codeInterpreter?:
            return Self.pythonText(arguments["code"])
        case nil:
            return JSONValue.object([("type", .string("function")), ("name", .string(name)),
                                     ("parameters", arguments)]).pythonJSON
        }
    }

    /// A value as Python's f-string writes it: a string as is, anything else as JSON.
    private static func pythonText(_ value: JSONValue?) -> String {
        guard let value else { return "" }
        return value.string ?? value.pythonJSON
    }

    // doc: parse-tool-call
    /// Reads an assistant's reply the way Meta's `decode_assistant_message_from_content`
    /// does: spaces around it trimmed, a leading `<|python_tag|>` noted and dropped; then a
    /// custom call (`<function=name>{...}` or a JSON object with a `name` and
    /// `parameters`), else a built-in call (`name.call(query="...")` anywhere), else, after
    /// `<|python_tag|>`, code for the interpreter.
    /// - Parameter reply: The reply's text, without its closing `<|eot_id|>`/`<|eom_id|>`.
    /// - Returns: The message's content (empty when there is a call) and the call.
    public static func parse(reply: String) -> (content: String, call: ToolCall?) {
        var content = Substring(reply)
        while content.first == " " { content = content.dropFirst() }
        while content.last == " " { content = content.dropLast() }
        let pythonTag = "<|python_tag|>"
        let afterPythonTag = content.hasPrefix(pythonTag)
        if afterPythonTag { content = content.dropFirst(pythonTag.count) }
        let text = String(content)

        if let (name, arguments) = customCall(in: text) {
            // A built-in tool called in the custom format keeps only its first value, as the query.
            if BuiltinTool(rawValue: name) != nil {
                let first = arguments.members?.first?.value ?? .string("")
                return ("", ToolCall(name: name, arguments: .object([("query", first)])))
            }
            return ("", ToolCall(name: name, arguments: arguments))
        }
        if let (name, query) = builtinCall(in: text) {
            return ("", ToolCall(name: name, arguments: .object([("query", .string(query))])))
        }
        if afterPythonTag {
            return ("", ToolCall(name: BuiltinTool.codeInterpreter.rawValue, arguments: .object([("code", .string(text))])))
        }
        return (text, nil)
    }
    // doc: end

    /// `<function=name>{...}` (arguments up to the first `}`, single quotes read as double
    /// quotes), or the whole text as a JSON object with `"type": "function"` or a `name`.
    private static func customCall(in text: String) -> (String, JSONValue)? {
        if let match = firstMatch(of: #"<function=([^}]+)>(\{.*?\})"#, in: text) {
            let arguments = match[2].replacingOccurrences(of: "'", with: "\"")
            guard let value = try? JSONValue(parsing: arguments) else { return nil }
            return (match[1], value)
        }
        guard let object = try? JSONValue(parsing: text), object.members != nil else { return nil }
        guard object["type"] == .string("function") || object["name"] != nil else { return nil }
        guard let name = object["name"]?.string, let arguments = object["parameters"] else { return nil }
        return (name, arguments)
    }

    /// `name.call(query="...")` anywhere in the text.
    private static func builtinCall(in text: String) -> (String, String)? {
        guard let match = firstMatch(of: #"\b(\w+)\.call\(query="([^"]*)"\)"#, in: text) else { return nil }
        return (match[1], match[2])
    }

    /// The whole match and its groups, for the first match of `pattern`.
    private static func firstMatch(of pattern: String, in text: String) -> [String]? {
        guard let expression = try? NSRegularExpression(pattern: pattern),
              let match = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))
        else { return nil }
        return (0..<match.numberOfRanges).map { index in
            Range(match.range(at: index), in: text).map { String(text[$0]) } ?? ""
        }
    }
}

/// The tools a conversation offers, and the messages that tell the model about them, as
/// Meta's `LLama31Interface.system_messages` writes them.
///
/// ```swift
/// let tools = ToolPrompt(builtinTools: [.braveSearch], customTools: [weather])
/// let opening = tools.messages(systemMessage: "You are a helpful assistant.")
/// // [system: "Environment: ipython\nTools: brave_search\nCutting Knowledge Date: ...",
/// //  user: "Answer the user's question by making use of the following functions..."]
/// ```
public struct ToolPrompt: Sendable, Equatable {
    /// Built-in tools to turn on.
    public var builtinTools: [BuiltinTool]
    /// The app's own tools.
    public var customTools: [ToolSpec]
    /// The date the system message gives as today's.
    public var today: Date
    /// The time zone in which `today` is read as a calendar day.
    public var timeZone: TimeZone

    /// Creates a tool prompt.
    public init(builtinTools: [BuiltinTool] = [], customTools: [ToolSpec] = [], today: Date = Date(),
                timeZone: TimeZone = .current) {
        self.builtinTools = builtinTools
        self.customTools = customTools
        self.today = today
        self.timeZone = timeZone
    }

    /// The opening messages: a system message (`Environment: ipython` and a `Tools:` line
    /// when there are tools, the dates, then `systemMessage`), and, when there are custom
    /// tools, a user message listing them in JSON.
    public func messages(systemMessage: String?) -> [ChatFormat.Message] {
        var system = ""
        if !builtinTools.isEmpty || !customTools.isEmpty {
            system += "Environment: ipython\n"
            let named = builtinTools.filter { $0 != .codeInterpreter }.map(\.rawValue)
            if !named.isEmpty { system += "Tools: " + named.joined(separator: ", ") }
            system += "\n"
        }
        system += "Cutting Knowledge Date: December 2023\nToday Date: \(todayText)"
        if let systemMessage, !systemMessage.isEmpty { system += "\n\n" + systemMessage }
        system += "\n"
        var messages = [ChatFormat.Message(role: .system, content: system)]
        if !customTools.isEmpty {
            messages.append(ChatFormat.Message(role: .user, content: customToolsText))
        }
        return messages
    }

    /// `today` as `strftime("%d %B %Y")` writes it in English: `21 September 2024`.
    var todayText: String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let day = calendar.dateComponents([.day, .month, .year], from: today)
        let months = ["January", "February", "March", "April", "May", "June", "July", "August",
                      "September", "October", "November", "December"]
        let dayText = String(day.day ?? 1)
        return "\(dayText.count < 2 ? "0" + dayText : dayText) \(months[(day.month ?? 1) - 1]) \(day.year ?? 1970)"
    }

    // doc: custom-tools-prompt
    /// Meta's `JsonCustomToolGenerator` text. Its template writes names and descriptions
    /// into the JSON as they are (unescaped) and gives every property the type "object";
    /// the same bytes are written here, because they are what the model was trained on.
    var customToolsText: String {
        var text = """
            Answer the user's question by making use of the following functions if needed.
            If none of the function can be used, please say so.
            Here is a list of functions in JSON format:

            """
        for tool in customTools {
            let properties = tool.parameters.map { parameter in
                "\n                {\n                    \"\(parameter.name)\": {\n"
                    + "                        \"type\": \"object\",\n"
                    + "                        \"description\": \"\(parameter.description)\"\n"
                    + "                    }\n                }"
            }
            let required = tool.parameters.filter(\.required).map { Self.jinjaJSONString($0.name) }
            text += "{\n    \"type\": \"function\",\n    \"function\": {\n"
                + "        \"name\": \"\(tool.name)\",\n        \"description\": \"\(tool.description)\",\n"
                + "        \"parameters\": {\n            \"type\": \"object\",\n            \"properties\": ["
                + properties.joined(separator: ",")
                + "\n            ],\n            \"required\": [\(required.joined(separator: ", "))]\n"
                + "        }\n    }\n}\n"
        }
        return text + "\nReturn function calls in JSON format."
    }
    // doc: end

    /// A string as Jinja's `tojson` filter writes it: `json.dumps`, then `<`, `>`, `&` and
    /// `'` as `\u` escapes.
    private static func jinjaJSONString(_ text: String) -> String {
        var out = ""
        JSONValue.writeString(text, into: &out)
        return out.replacingOccurrences(of: "<", with: "\\u003c").replacingOccurrences(of: ">", with: "\\u003e")
            .replacingOccurrences(of: "&", with: "\\u0026").replacingOccurrences(of: "'", with: "\\u0027")
    }

    /// The content of an `ipython` message reporting a tool's run, as Meta's
    /// `ToolResponseGenerator` writes it: `completed` and `[stdout]...[/stdout]`, or
    /// `failed` and `[stderr]...[/stderr]`.
    /// - Parameters:
    ///   - succeeded: Whether the tool ran.
    ///   - output: What it printed (its result), or the error.
    public static func toolResponse(succeeded: Bool, output: String) -> String {
        let status = succeeded ? "completed" : "failed"
        guard !output.isEmpty else { return status }
        return succeeded ? "\(status)\n[stdout]\(output)[/stdout]" : "\(status)\n[stderr]\(output)[/stderr]"
    }
}
