"""Renders the chat-template fixtures with Python Jinja2 configured as HF transformers does.

Not run by CI: the output runtime/src/test/resources/text/templates/expected.json is committed.
Run from the repository root (needs `pip install jinja2`):

    python3 runtime/src/test/python/make_chat_template_fixtures.py

The environment mirrors transformers' `_compile_jinja_template`: an ImmutableSandboxedEnvironment
with trim_blocks, lstrip_blocks and the loopcontrols extension, the json.dumps-based `tojson`
filter, plus the `raise_exception` and `strftime_now` globals. `strftime_now` is pinned to 2025-01-02 03:04:05 so the Java test can use
a fixed clock. The templates are public chat templates (Llama-3, Llama-3.2 without its tool
sections, Qwen2, Mistral-Instruct-v0.2) and one exercising Python string methods.
"""

import datetime
import json
import os

from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

DIR = os.path.join("runtime", "src", "test", "resources", "text", "templates")
NOW = datetime.datetime(2025, 1, 2, 3, 4, 5)

CONVERSATIONS = {
    "user-only": [{"role": "user", "content": "Hello there!"}],
    "system-user": [
        {"role": "system", "content": "  You are terse.  "},
        {"role": "user", "content": "What is 2+2?\n"},
    ],
    "multi-turn": [
        {"role": "user", "content": "/help me"},
        {"role": "assistant", "content": "<think>hmm</think>\nSure!!"},
        {"role": "user", "content": "Thanks. Größe 😀"},
    ],
    "bad-alternation": [
        {"role": "user", "content": "a"},
        {"role": "user", "content": "b"},
    ],
}


def raise_exception(message):
    raise TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    # transformers replaces Jinja2's HTML-safe tojson with plain json.dumps.
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: NOW.strftime(fmt)
    return env


def main():
    env = environment()
    cases = []
    for name in sorted(f[: -len(".jinja")] for f in os.listdir(DIR) if f.endswith(".jinja")):
        with open(os.path.join(DIR, name + ".jinja"), encoding="utf-8") as f:
            template = env.from_string(f.read())
        for conversation, messages in CONVERSATIONS.items():
            for generation_prompt in (False, True):
                case = {"template": name, "conversation": conversation, "addGenerationPrompt": generation_prompt}
                try:
                    case["rendered"] = template.render(
                        messages=messages,
                        add_generation_prompt=generation_prompt,
                        bos_token="<s>",
                        eos_token="</s>",
                    )
                except TemplateError as e:
                    case["error"] = str(e)
                cases.append(case)
    with open(os.path.join(DIR, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({"conversations": CONVERSATIONS, "cases": cases}, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
