#!/usr/bin/env python3
"""Make the tool-calling fixture of the LlamaTokenizer tests (Tests/Fixtures/tokenizer/tools.json).

The reference is Meta's Llama 3.1 prompt format as its own Python code writes it: the
PyPI wheel llama-models==0.0.63, the last release that ships the 3.1 prompt templates
(llama_models/llama3/prompt_templates: the system prompt with `Environment: ipython`, the
JSON custom-tool prompt, the tool response) beside `LLama31Interface`, `ChatFormat` and
`ToolUtils`. Later releases keep ChatFormat but drop the templates.

    pip install tiktoken pydantic pillow jinja2 termcolor
    python3 Scripts/make_tool_fixtures.py                 # downloads the wheel with pip
    python3 Scripts/make_tool_fixtures.py --wheel PATH    # or uses one you have

Writes tools.json with
    prompts   tool configurations, the messages LLama31Interface.system_messages makes of
              them (system, then a user message listing custom tools in JSON) and their ids
    dialogs   whole tool conversations (tool calls, ipython results) and
              ChatFormat.encode_dialog_prompt's ids
    replies   assistant texts and what decode_assistant_message_from_content reads in them
              (a tool call's name and arguments, ToolUtils.encode_tool_call of that call)
    responses ToolResponseGenerator's text for a success and a failure
"""

import argparse
import atexit
import datetime as datetime_module
import glob
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests" / "Fixtures" / "tokenizer" / "tools.json"
WHEEL_VERSION = "0.0.63"
TODAY = datetime_module.datetime(2024, 9, 21)


def load_meta(wheel):
    work = tempfile.mkdtemp(prefix="llama-models-")
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    if wheel is None:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        f"llama-models=={WHEEL_VERSION}", "-d", work], check=True)
        wheel = glob.glob(f"{work}/llama_models-{WHEEL_VERSION}-*.whl")[0]
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(work)
    sys.path.insert(0, work)
    import llama_models.llama3.prompt_templates.system_prompts as system_prompts  # noqa: E402

    class FixedDate(datetime_module.datetime):
        @classmethod
        def now(cls, tz=None):
            return TODAY

    # SystemDefaultGenerator writes today's date; the fixture needs a fixed one.
    system_prompts.datetime = FixedDate
    import llama_models.llama3.api.datatypes as datatypes  # noqa: E402
    from llama_models.llama3.api.interface import LLama31Interface  # noqa: E402
    from llama_models.llama3.api.tool_utils import ToolUtils  # noqa: E402

    return datatypes, LLama31Interface(datatypes.ToolPromptFormat.json), ToolUtils


WEATHER = {
    "name": "get_weather",
    "description": "Get the current weather in a city",
    "parameters": [
        {"name": "city", "type": "string", "description": "The city, e.g. Paris", "required": True},
        {"name": "unit", "type": "string", "description": "celsius or fahrenheit", "required": False},
    ],
}
SONGS = {
    "name": "trending_songs",
    "description": "Returns the trending songs on a Music site",
    "parameters": [
        {"name": "n", "type": "int", "description": "The number of songs to return", "required": True},
        {"name": "genre", "type": "str", "description": "The genre of the songs to return", "required": False},
    ],
}
UNICODE = {
    "name": "traduire",
    "description": "Traduit un texte « tel quel » (no quotes)",
    "parameters": [
        {"name": "texte", "type": "string", "description": "Le texte à traduire", "required": True},
        {"name": "langue", "type": "string", "description": "Code ISO, p. ex. fr", "required": True},
    ],
}

CONFIGURATIONS = [
    {"builtin": ["brave_search", "wolfram_alpha", "code_interpreter"], "custom": [WEATHER],
     "instruction": "You are a helpful assistant."},
    {"builtin": ["code_interpreter"], "custom": [], "instruction": None},
    {"builtin": ["brave_search"], "custom": [], "instruction": "Answer briefly."},
    {"builtin": [], "custom": [SONGS, UNICODE], "instruction": "Tu réponds en français.\nMerci."},
    {"builtin": [], "custom": [], "instruction": None},
    {"builtin": [], "custom": [], "instruction": "  Spaces kept  "},
]


def tool_definitions(datatypes, configuration):
    builtin = [datatypes.ToolDefinition(tool_name=datatypes.BuiltinTool(name)) for name in configuration["builtin"]]
    custom = [
        datatypes.ToolDefinition(
            tool_name=tool["name"], description=tool["description"],
            parameters={p["name"]: datatypes.ToolParamDefinition(param_type=p["type"], description=p["description"],
                                                                 required=p["required"])
                        for p in tool["parameters"]})
        for tool in configuration["custom"]
    ]
    return builtin, custom


def message_json(message):
    """Our message form: role, content, stop reason, tool call."""
    role = "ipython" if message.role in ("ipython", "tool") else message.role
    out = {"role": role, "content": message.content}
    if message.role == "assistant" and message.stop_reason is not None and message.stop_reason.name == "end_of_message":
        out["stopReason"] = "endOfMessage"
    if message.role == "assistant" and message.tool_calls:
        call = message.tool_calls[0]
        name = call.tool_name.value if hasattr(call.tool_name, "value") else call.tool_name
        out["toolCall"] = {"name": name, "arguments": call.arguments}
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wheel", help="a llama_models-0.0.63 wheel (default: pip download)")
    args = parser.parse_args()
    datatypes, interface, ToolUtils = load_meta(args.wheel)
    RawMessage, StopReason, ToolCall, BuiltinTool = (datatypes.RawMessage, datatypes.StopReason,
                                                     datatypes.ToolCall, datatypes.BuiltinTool)

    prompts = []
    for configuration in CONFIGURATIONS:
        builtin, custom = tool_definitions(datatypes, configuration)
        messages = interface.system_messages(builtin, custom, configuration["instruction"])
        prompts.append({
            "configuration": configuration,
            "messages": [message_json(m) for m in messages],
            "ids": interface.get_tokens(messages),
        })

    def assistant(content, call=None, stop=StopReason.end_of_turn):
        calls = [] if call is None else [ToolCall(call_id="0", tool_name=call[0], arguments=call[1])]
        return RawMessage(role="assistant", content=content, stop_reason=stop, tool_calls=calls)

    def tool(content):
        return RawMessage(role="ipython", content=content)

    def user(content):
        return RawMessage(role="user", content=content)

    builtin, custom = tool_definitions(datatypes, CONFIGURATIONS[0])
    opening = interface.system_messages(builtin, custom, CONFIGURATIONS[0]["instruction"])
    success = interface.tool_response_messages(status="success", stdout='{"results": ["1,934 USD"]}')[0]
    failure = interface.tool_response_messages(status="failure", stderr="could not reach api.brave.com")[0]
    dialogs = [
        opening + [
            user("What is the price of 1oz gold?"),
            assistant("", (BuiltinTool.brave_search, {"query": "price of 1oz gold"}), StopReason.end_of_message),
            tool(success.content),
            assistant("About 1,934 USD."),
            user("And in Paris, what is the weather like?"),
            assistant("", ("get_weather", {"city": "Paris", "unit": "celsius"}), StopReason.end_of_message),
            tool('{"temperature": 18, "sky": "clear"}'),
            assistant("18 °C and clear."),
        ],
        opening + [
            user("Is 7 prime?"),
            assistant("", (BuiltinTool.code_interpreter,
                           {"code": "def is_prime(n):\n    return all(n % i for i in range(2, n))\nprint(is_prime(7))"}),
                      StopReason.end_of_message),
            tool(failure.content),
            assistant("", (BuiltinTool.wolfram_alpha, {"query": "is 7 prime"}), StopReason.end_of_message),
            tool("True"),
            assistant("Yes, 7 is prime."),
        ],
        interface.system_messages([], [tool_definitions(datatypes, CONFIGURATIONS[3])[1][0]], None) + [
            user("Use tools to get latest trending songs"),
            assistant("", ("trending_songs", {"n": 10, "genre": "all", "extra": [1, 2.5, True, None],
                                              "note": "é \"q\" \\ \n"}), StopReason.end_of_message),
            tool("[]"),
        ],
    ]
    dialog_rows = [{"messages": [message_json(m) for m in d], "ids": interface.get_tokens(d)} for d in dialogs]

    reply_texts = [
        ('<|python_tag|>brave_search.call(query="latest price of 1oz gold")', "end_of_message"),
        ('<|python_tag|>wolfram_alpha.call(query="100th decimal of pi")', "end_of_message"),
        ('<|python_tag|>def is_prime(n):\n    return n > 1\n\nprint(is_prime(7))', "end_of_message"),
        ('<|python_tag|>{\n    "type": "function",\n    "name": "trending_songs",\n    "parameters": {\n'
         '        "n": "10",\n        "genre": "all"\n    }\n}', "end_of_message"),
        ('{"name": "get_weather", "parameters": {"city": "Paris"}}', "end_of_turn"),
        ('{"type": "function", "name": "get_weather", "parameters": {"city": "Zürich", "days": 3, "x": 1.5e3}}',
         "end_of_message"),
        ('<function=trending_songs>{"n": 10}</function>', "end_of_turn"),
        ("<function=get_weather>{'city': 'Paris'}</function>", "end_of_turn"),
        ('{"name": "brave_search", "parameters": {"q": "gold"}}', "end_of_message"),
        ('I will search: brave_search.call(query="gold") now.', "end_of_turn"),
        ('my_tool.call(query="x")', "end_of_message"),
        ("The capital of France is Paris.", "end_of_turn"),
        ("  Spaces around  ", "end_of_turn"),
        ('{"city": "Paris"}', "end_of_turn"),
        ("[1, 2, 3]", "end_of_turn"),
        ('{"name": "broken", "parameters": ', "end_of_turn"),
        ("<|python_tag|>", "end_of_message"),
    ]
    replies = []
    for text, stop in reply_texts:
        message = interface.formatter.decode_assistant_message_from_content(text, StopReason[stop])
        row = {"text": text, "stopReason": "endOfMessage" if stop == "end_of_message" else "endOfTurn",
               "content": message.content}
        if message.tool_calls:
            call = message.tool_calls[0]
            name = call.tool_name.value if hasattr(call.tool_name, "value") else call.tool_name
            row["toolCall"] = {"name": name, "arguments": call.arguments,
                               "encoded": ToolUtils.encode_tool_call(call, datatypes.ToolPromptFormat.json)}
        replies.append(row)

    responses = [
        {"succeeded": True, "output": '{"results": ["1,934 USD"]}', "content": success.content},
        {"succeeded": False, "output": "could not reach api.brave.com", "content": failure.content},
    ]
    header = {
        "generator": "Scripts/make_tool_fixtures.py",
        "reference": f"llama-models=={WHEEL_VERSION} (LLama31Interface, ChatFormat, ToolUtils, prompt_templates)",
        "today": TODAY.strftime("%Y-%m-%d"),
    }
    OUT.write_text(json.dumps({**header, "prompts": prompts, "dialogs": dialog_rows, "replies": replies,
                               "responses": responses}, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(prompts)} prompts, {len(dialog_rows)} dialogs, "
          f"{len(replies)} replies")


if __name__ == "__main__":
    main()
