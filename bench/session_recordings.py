"""The recorded agent sessions `bench/sessions.py` replays, as data: each is the final
conversation of a session in its dialect's wire shape, plus the points at which the agent sent
a request (request k carries the first `requests_at[k]` messages). Written once to
bench/data/sessions/ (`python -m bench.sessions --record`) and replayed from there.

- `openclaw-20`: OpenClaw's shape (tests/e2e/openclaw_tools.py, docs/clients/openclaw.md):
  chat completions, streamed with `include_usage`, `max_completion_tokens`, a 22 KB system
  prompt and 12 tools; 20 requests: user asks of mixed difficulty, each followed by tool calls
  and their results.
- `claude-code-12`: Claude Code's shape: `/v1/messages` with `X-Claude-Code-Session-Id`, a
  system prompt, 14 tools, tool_use / tool_result turns; 12 requests, model `auto`.
- `claude-code-sonnet-12`: the same session with the model id Claude Code is usually run
  with (`--model claude-sonnet-4-6`): every turn goes to Anthropic, where only breakpoints
  make the prefix cacheable.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

Json = dict[str, Any]

_OPENCLAW_SECTIONS = (
    "## Tooling\nYou have tools to read and write files, run shell commands, search and fetch "
    "the web, drive a browser, draw on the canvas, schedule jobs and message the user. Use "
    "the narrowest tool that does the job; never guess a file's content, read it first.",
    "## Safety\nNever run destructive commands without confirmation. Keep secrets out of "
    "messages and logs. Ask before spending money or contacting third parties.",
    "## Workspace\nThe workspace is the user's home folder. Notes live in ~/notes, projects in "
    "~/code. Prefer editing existing files over creating new ones.",
    "## Messaging\nReply in the user's language, briefly. Use markdown sparingly; channels "
    "such as WhatsApp and Telegram render only a subset of it.",
    "## Memory\nDurable facts about the user go in MEMORY.md; update it when they change.",
)
_OPENCLAW_TOOLS = (
    "read",
    "write",
    "edit",
    "exec",
    "process",
    "web_search",
    "web_fetch",
    "browser",
    "canvas",
    "cron",
    "message",
    "memory_search",
)
_CLAUDE_TOOLS = (
    "Bash",
    "Read",
    "Edit",
    "Write",
    "Glob",
    "Grep",
    "TodoWrite",
    "WebFetch",
    "WebSearch",
    "NotebookEdit",
    "Task",
    "ExitPlanMode",
    "BashOutput",
    "KillShell",
)


def _openclaw_system() -> str:
    out, i = [], 0
    while sum(len(s) for s in out) < 22_000:
        out.append(_OPENCLAW_SECTIONS[i % len(_OPENCLAW_SECTIONS)] + f" (rule {i + 1})")
        i += 1
    return "You are a personal assistant running inside OpenClaw.\n\n" + "\n\n".join(out)


def _schema(name: str) -> Json:
    return {
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": f"What {name} works on"},
            "command": {"type": "string", "description": "Arguments, when the tool takes any"},
        },
        "required": ["path"],
    }


def _call_id(*parts: str) -> str:
    return "call_" + hashlib.sha256("/".join(parts).encode()).hexdigest()[:24]


# (user ask, tools the agent calls for it, in order)
_OPENCLAW_ASKS = (
    ("What's on my calendar file today? It's ~/notes/today.md", ("read",)),
    ("Thanks. Add 'call the dentist' to it.", ("edit",)),
    ("Search the web for the opening hours of the city library.", ("web_search", "web_fetch")),
    ("Write a short poem about autumn into ~/notes/poem.md.", ("write",)),
    (
        "Prove that there are infinitely many primes, then design a distributed, fault-tolerant "
        "algorithm that enumerates primes across unreliable nodes with exactly-once output and "
        "analyse its complexity; save the analysis to ~/notes/primes.md.",
        ("write", "read"),
    ),
    ("Run the test suite in ~/code/app and tell me what failed.", ("exec", "read")),
    ("Remind me every Monday at 9 to water the plants.", ("cron",)),
    ("Message Sam that I'll be ten minutes late.", ("message", "memory_search")),
)


def openclaw_session() -> Json:
    tools = [
        {
            "type": "function",
            "function": {"name": n, "description": f"OpenClaw {n} tool", "parameters": _schema(n)},
        }
        for n in _OPENCLAW_TOOLS
    ]
    messages: list[Json] = [{"role": "system", "content": _openclaw_system()}]
    at: list[int] = []
    for i, (ask, calls) in enumerate(_OPENCLAW_ASKS):
        messages.append({"role": "user", "content": ask})
        at.append(len(messages))
        for name in calls:
            cid = _call_id("openclaw", str(i), name)
            args = json.dumps({"path": f"~/notes/item-{i}.md", "command": ""})
            messages.append(
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": cid,
                            "type": "function",
                            "function": {"name": name, "arguments": args},
                        }
                    ],
                }
            )
            messages.append(
                {
                    "role": "tool",
                    "tool_call_id": cid,
                    "content": f"{name} result for ask {i}: " + "ok. " * 60,
                }
            )
            at.append(len(messages))
        messages.append({"role": "assistant", "content": f"Done with ask {i + 1}."})
    at = at[:20]
    return {
        "name": "openclaw-20",
        "endpoint": "/v1/chat/completions",
        "stream": True,
        "headers": {},
        "body": {
            "model": "auto",
            "tools": tools,
            "max_completion_tokens": 1024,
            "stream_options": {"include_usage": True},
        },
        "messages": messages[: at[-1]],
        "requests_at": at,
    }


_CLAUDE_ASKS = (
    ("Find where the config file is parsed in this repo.", ("Grep", "Read")),
    ("Add a --verbose flag to the CLI and wire it to the logger.", ("Read", "Edit", "Bash")),
    (
        "The integration test is flaky under load: find the race and fix it properly, explaining "
        "the interleaving that breaks it.",
        ("Grep", "Read", "Edit", "Bash"),
    ),
)


def claude_code_session(model: str = "auto") -> Json:
    tools = [
        {"name": n, "description": f"Claude Code {n} tool", "input_schema": _schema(n)}
        for n in _CLAUDE_TOOLS
    ]
    system = (
        "You are Claude Code, an interactive CLI tool that helps users with software "
        "engineering tasks. " + "Follow the repository conventions; keep changes "
        "minimal and tested. " * 120
    )
    messages: list[Json] = []
    at: list[int] = []
    for i, (ask, calls) in enumerate(_CLAUDE_ASKS):
        messages.append({"role": "user", "content": [{"type": "text", "text": ask}]})
        at.append(len(messages))
        for name in calls:
            tid = "toolu_" + _call_id("claude", str(i), name)[5:]
            messages.append(
                {
                    "role": "assistant",
                    "content": [
                        {"type": "text", "text": f"Using {name}."},
                        {
                            "type": "tool_use",
                            "id": tid,
                            "name": name,
                            "input": {"path": f"src/module_{i}.py"},
                        },
                    ],
                }
            )
            messages.append(
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "tool_result",
                            "tool_use_id": tid,
                            "content": f"{name} output {i}: " + "line of code\n" * 80,
                        }
                    ],
                }
            )
            at.append(len(messages))
        messages.append(
            {"role": "assistant", "content": [{"type": "text", "text": f"Finished task {i + 1}."}]}
        )
    name = "claude-code-12" if model == "auto" else "claude-code-sonnet-12"
    return {
        "name": name,
        "endpoint": "/v1/messages",
        "stream": False,
        "headers": {
            "X-Claude-Code-Session-Id": "3f9c2a1e-bench-session",
            "anthropic-version": "2023-06-01",
        },
        "body": {"model": model, "max_tokens": 2048, "system": system, "tools": tools},
        "messages": messages[: at[-1]],
        "requests_at": at,
    }


def recordings() -> list[Json]:
    return [openclaw_session(), claude_code_session(), claude_code_session("claude-sonnet-4-6")]
