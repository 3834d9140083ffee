"""One chat request, parsed once into the typed value every later step reads."""

from __future__ import annotations

from dataclasses import dataclass

from tokaroo_common.turns import media_count
from tokaroo_proto.conversation.v1 import conversation_pb2 as cpb

from tokaroo_edge.conversation import answer_shape, exact_key, to_conversation
from tokaroo_edge.schemas import ChatCompletionRequest
from tokaroo_edge.tokens import Encoder, count_prompt_tokens


@dataclass(frozen=True)
class ChatRequest:
    body: ChatCompletionRequest          # the validated body, as the client sent it
    conversation: cpb.Conversation       # its messages as typed turns
    shape: cpb.AnswerShape               # the other fields that shape the answer
    exact_key: str                       # the exact cache's key
    prompt_tokens: int

    @property
    def needs_vision(self) -> bool:
        return media_count(self.conversation, "image") > 0

    @property
    def needs_json_schema(self) -> bool:
        return self.shape.response_format == "json_schema"


def parse_chat(body: ChatCompletionRequest, enc: Encoder) -> ChatRequest:
    conversation = to_conversation(body.messages)
    return ChatRequest(body=body, conversation=conversation, shape=answer_shape(body),
                       exact_key=exact_key(body),
                       prompt_tokens=count_prompt_tokens(enc, conversation, body.tools))
