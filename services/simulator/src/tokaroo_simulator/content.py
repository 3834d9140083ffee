"""Provider-neutral prompt and reply: what to answer, decided deterministically. Pure.

Each provider format parses its request into a `Prompt`; `plan_reply` turns it into a `Reply`
(text pieces or one tool call) that the format renders in its own wire shape. The answer is a
function of the conversation only, so the same request always gets the same answer.

Token counts are an approximation on purpose (about one token per 4 characters of prompt, one
token per emitted word): tiktoken needs its BPE files from the internet, which a provider
stand-in must not depend on, and nothing here needs a provider's exact tokenizer.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from tokaroo_simulator.schema_values import value_for_schema

IMAGE_TOKENS = 85  # what OpenAI charges for a low-detail image
_PIECE = re.compile(r"\s*\S+|\s+$")
_ARG_PIECE = re.compile(r"\w+|\W+")
_WORD = re.compile(r"\w+")
_PATH = re.compile(r"(?<![\w/])/[\w.~-]+(?:/[\w.~-]+)+")
_PATH_ARG = re.compile(r"(?i)(path|file)")
_WORDS = (
    "the quick answer is that this simulated provider returns plain deterministic text for "
    "every request so tests can compare results across runs while the gateway measures cost "
    "latency tokens and caching behaviour without calling any real model over the network "
    "each word counts as one token and the reply ends here after a short useful summary"
).split()


class BadRequest(ValueError):
    """The request is malformed; the provider answers 400 in its own error shape."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


@dataclass(frozen=True)
class Tool:
    name: str
    parameters: Mapping[str, Any]


ResponseKind = Literal["text", "json_object", "json_schema"]
FinishReason = Literal["stop", "length", "stop_sequence", "tool_calls"]


@dataclass(frozen=True)
class Prompt:
    texts: tuple[str, ...]  # every piece of message text in order (system included)
    images: int = 0
    tools: tuple[Tool, ...] = ()
    tool_choice: Literal["auto", "none", "required"] = "auto"
    forced_tool: str | None = None  # a tool named by tool_choice
    user_turn: bool = True  # the last message is the user's own (not a tool result)
    after_tool_result: bool = False
    response_kind: ResponseKind = "text"
    response_schema: Mapping[str, Any] | None = None
    max_tokens: int | None = None
    stop: tuple[str, ...] = ()
    extra_prompt_chars: int = 0  # tool definitions and other counted request text


@dataclass(frozen=True)
class ToolCall:
    call_id: str  # 24 url-safe characters; each format adds its own prefix
    name: str
    arguments: str  # compact JSON, as OpenAI sends it
    fragments: tuple[str, ...]  # how a stream splits `arguments`

    @property
    def input(self) -> Any:
        return json.loads(self.arguments)


@dataclass(frozen=True)
class Reply:
    digest: str  # hex sha256 of the conversation; ids are derived from it
    pieces: tuple[str, ...] = ()  # text, one token per piece
    tool_call: ToolCall | None = None
    finish: FinishReason = "stop"
    stop_sequence: str | None = None  # which stop string ended the text
    prompt_tokens: int = 1
    completion_tokens: int = 0
    cached_tokens: int = 0  # of prompt_tokens, read from the provider's prompt cache
    cache_write_5m: int = 0  # of prompt_tokens, written to the cache (Anthropic only)
    cache_write_1h: int = 0

    @property
    def cache_write(self) -> int:
        return self.cache_write_5m + self.cache_write_1h

    @property
    def text(self) -> str:
        return "".join(self.pieces)


def count_tokens(chars: int) -> int:
    return max(1, -(-chars // 4))


def prompt_tokens(prompt: Prompt) -> int:
    chars = sum(len(t) for t in prompt.texts) + prompt.extra_prompt_chars
    return count_tokens(chars) + IMAGE_TOKENS * prompt.images


def split_pieces(text: str) -> tuple[str, ...]:
    """Split text into stream pieces: each word with its leading whitespace is one token."""
    return tuple(_PIECE.findall(text))


def conversation_digest(prompt: Prompt) -> str:
    h = hashlib.sha256()
    for t in prompt.texts:
        h.update(t.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    h.update(f"|{prompt.images}|{prompt.response_kind}".encode())
    return h.hexdigest()


def answer_text(prompt: Prompt, digest: str) -> str:
    picks = hashlib.sha256(digest.encode()).digest()  # 32 bytes: a length and up to 31 words
    words = [_WORDS[b % len(_WORDS)] for b in picks[1 : 1 + 8 + picks[0] % 24]]
    lead = f"Simulated answer {digest[:8]}:"
    if prompt.after_tool_result:
        lead += " based on the tool result,"
    if prompt.images:
        lead += f" I see {'an image' if prompt.images == 1 else f'{prompt.images} images'} and"
    return f"{lead} {' '.join(words)}."


def json_answer(prompt: Prompt, digest: str) -> str:
    seed = int(digest[:8], 16)
    if prompt.response_kind == "json_schema" and prompt.response_schema is not None:
        value = value_for_schema(prompt.response_schema, seed)
    else:
        value = {"answer": answer_text(prompt, digest), "id": digest[:8]}
    return json.dumps(value, ensure_ascii=False)


def _apply_limits(
    text: str, max_tokens: int | None, stop: Sequence[str]
) -> tuple[tuple[str, ...], FinishReason, str | None]:
    finish: FinishReason = "stop"
    matched: str | None = None
    cut = len(text)
    for s in stop:
        at = text.find(s) if s else -1
        if 0 <= at < cut:
            cut, matched = at, s
    if matched is not None:
        text, finish = text[:cut], "stop_sequence"
    pieces = split_pieces(text)
    if max_tokens is not None and len(pieces) > max_tokens:
        return pieces[:max_tokens], "length", None
    return pieces, finish, matched


def _tool_to_call(prompt: Prompt) -> Tool | None:
    """The tool named by tool_choice; else the tool the user's last words name (as a model
    takes the tool it is asked to use: "Read the file ..." with a `Read` tool); else the
    first tool."""
    if not prompt.tools or prompt.tool_choice == "none" or not prompt.user_turn:
        return None
    if prompt.forced_tool is not None:
        for t in prompt.tools:
            if t.name == prompt.forced_tool:
                return t
    words = set(_WORD.findall(prompt.texts[-1])) if prompt.texts else set()
    return next((t for t in prompt.tools if t.name in words), prompt.tools[0])


def _required_only(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """A tool's parameters without their optional properties, when it says which are
    required: a model leaves optional arguments out unless it has a reason to give them."""
    props, required = schema.get("properties"), schema.get("required")
    if not isinstance(props, Mapping) or not isinstance(required, list) or not required:
        return schema
    return {**schema, "properties": {k: v for k, v in props.items() if k in required}}


def _with_prompt_paths(args: dict[str, Any], tool: Tool, text: str) -> dict[str, Any]:
    """A string argument meant to hold a path or file takes the absolute path the user's
    last words give, when they give one (a model copies it from the request)."""
    found = _PATH.search(text)
    props = tool.parameters.get("properties")
    if found is None or not isinstance(props, Mapping):
        return args
    path = found.group(0).rstrip(".,;:!?)")
    out = dict(args)
    for key, sub in props.items():
        if (
            key in out
            and isinstance(out[key], str)
            and isinstance(sub, Mapping)
            and "enum" not in sub
            and _PATH_ARG.search(key)
        ):
            out[key] = path
    return out


def plan_reply(prompt: Prompt) -> Reply:
    digest = conversation_digest(prompt)
    p_tokens = prompt_tokens(prompt)
    tool = _tool_to_call(prompt)
    if tool is not None:
        args = value_for_schema(_required_only(tool.parameters), int(digest[8:16], 16))
        if not isinstance(args, dict):
            args = {}
        args = _with_prompt_paths(args, tool, prompt.texts[-1] if prompt.texts else "")
        arguments = json.dumps(args, separators=(",", ":"), ensure_ascii=False)
        fragments = tuple(_ARG_PIECE.findall(arguments))
        call = ToolCall(
            call_id=_call_id(digest, tool.name),
            name=tool.name,
            arguments=arguments,
            fragments=fragments,
        )
        return Reply(
            digest=digest,
            tool_call=call,
            finish="tool_calls",
            prompt_tokens=p_tokens,
            completion_tokens=max(1, len(fragments)),
        )
    text = (
        answer_text(prompt, digest)
        if prompt.response_kind == "text"
        else json_answer(prompt, digest)
    )
    pieces, finish, matched = _apply_limits(text, prompt.max_tokens, prompt.stop)
    return Reply(
        digest=digest,
        pieces=pieces,
        finish=finish,
        stop_sequence=matched,
        prompt_tokens=p_tokens,
        completion_tokens=len(pieces),
    )


def _call_id(digest: str, name: str) -> str:
    raw = hashlib.sha256(f"{digest}:{name}".encode()).digest()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(alphabet[b % len(alphabet)] for b in raw[:24])
