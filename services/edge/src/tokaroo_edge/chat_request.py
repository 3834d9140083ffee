"""One chat request, parsed once into the typed value every later step reads."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

import orjson
from tokaroo_common.turns import media_count
from tokaroo_proto.conversation.v1 import conversation_pb2 as cpb

from tokaroo_edge.conversation import answer_shape, exact_key, to_conversation
from tokaroo_edge.schemas import ChatCompletionRequest
from tokaroo_edge.tokens import Encoder, count_prompt_tokens


@dataclass(frozen=True)
class ChatRequest:
    body: ChatCompletionRequest  # the validated body, as the client sent it
    conversation: cpb.Conversation  # its messages as typed turns
    shape: cpb.AnswerShape  # the other fields that shape the answer
    exact_key: str  # the exact cache's key
    prompt_tokens: int
    session_hint: str = ""  # what the client said its session is (see below)
    tools_digest: str = ""  # sha256 of the tools offered, as sent

    @property
    def needs_vision(self) -> bool:
        return media_count(self.conversation, "image") > 0

    @property
    def needs_json_schema(self) -> bool:
        return self.shape.response_format == "json_schema"


# Headers agents send to name their session, in order of preference.
SESSION_HEADERS = ("x-claude-code-session-id", "x-session-id")


def session_hint(headers: Mapping[str, str], body: ChatCompletionRequest) -> str:
    """The session a client names: a session header, OpenAI's `prompt_cache_key`, or the
    end user (`user`, which Anthropic's `metadata.user_id` becomes) as `user:<id>` (one user
    may hold several conversations: the router adds the prefix to tell them apart). Pure."""
    for name in SESSION_HEADERS:
        if value := headers.get(name, "").strip():
            return value[:256]
    key = (body.model_extra or {}).get("prompt_cache_key")
    if isinstance(key, str) and key.strip():
        return key.strip()[:256]
    return f"user:{body.user[:256]}" if body.user else ""


def tools_digest(body: ChatCompletionRequest) -> str:
    return hashlib.sha256(orjson.dumps(body.tools)).hexdigest() if body.tools else ""


def parse_chat(body: ChatCompletionRequest, enc: Encoder, hint: str = "") -> ChatRequest:
    conversation = to_conversation(body.messages)
    return ChatRequest(
        body=body,
        conversation=conversation,
        shape=answer_shape(body),
        exact_key=exact_key(body),
        prompt_tokens=count_prompt_tokens(enc, conversation, body.tools),
        session_hint=hint,
        tools_digest=tools_digest(body),
    )
