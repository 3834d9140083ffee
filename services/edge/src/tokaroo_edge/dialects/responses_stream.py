"""The pipeline's chunks (chat-completion chunk shape, then one usage chunk with the cost, or
an `{"error": ...}` chunk when the upstream broke) as the Responses API's event stream. Pure:
chunks in, SSE frames out; every event carries its `sequence_number`.

    response.created, response.in_progress
    per text:  output_item.added, content_part.added, output_text.delta..., output_text.done,
               content_part.done, output_item.done
    per call:  output_item.added, function_call_arguments.delta..., .done, output_item.done
    response.completed (or .incomplete) with usage;  on a broken upstream: error, response.failed
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tokaroo_edge.dialects.responses import call_item, finished, item_ids, message_item
from tokaroo_edge.dialects.responses_tools import namespaces
from tokaroo_edge.shaping import is_usage_chunk
from tokaroo_edge.sse import event

Json = dict[str, Any]


@dataclass
class _Call:
    index: int  # output_index
    item_id: str
    call_id: str
    name: str
    arguments: str = ""


@dataclass
class ResponsesStream:
    base: Json  # the response object before output (dialects.responses.base_response)
    final: Json | None = None  # the finished response object, once the usage chunk came
    _seq: int = 0
    _output: list[Json] = field(default_factory=list)
    _text: list[str] | None = None  # the open message item's text
    _text_index: int = 0
    _calls: dict[int, _Call] = field(default_factory=dict)  # by the chunk's tool call index
    _open_call: _Call | None = None
    _finish_reason: str | None = None

    @property
    def _namespaces(self) -> frozenset[str]:
        return namespaces(self.base.get("tools"))

    def _event(self, name: str, body: Json) -> bytes:
        frame = event(name, {"type": name, "sequence_number": self._seq, **body})
        self._seq += 1
        return frame

    def start(self) -> list[bytes]:
        return [
            self._event("response.created", {"response": self.base}),
            self._event("response.in_progress", {"response": self.base}),
        ]

    # ---- items ---------------------------------------------------------------------------
    def _open_text(self) -> list[bytes]:
        msg_id = item_ids(str(self.base["id"]))[0]
        self._text, self._text_index = [], len(self._output)
        self._output.append(message_item(msg_id, "", "in_progress"))
        where = {"item_id": msg_id, "output_index": self._text_index, "content_index": 0}
        return [
            self._event(
                "response.output_item.added",
                {"output_index": self._text_index, "item": self._output[-1]},
            ),
            self._event(
                "response.content_part.added",
                {
                    **where,
                    "part": {"type": "output_text", "text": "", "annotations": [], "logprobs": []},
                },
            ),
        ]

    def _close_text(self) -> list[bytes]:
        if self._text is None:
            return []
        text, self._text = "".join(self._text), None
        item = message_item(item_ids(str(self.base["id"]))[0], text)
        self._output[self._text_index] = item
        where = {"item_id": item["id"], "output_index": self._text_index, "content_index": 0}
        return [
            self._event("response.output_text.done", {**where, "text": text, "logprobs": []}),
            self._event("response.content_part.done", {**where, "part": item["content"][0]}),
            self._event(
                "response.output_item.done", {"output_index": self._text_index, "item": item}
            ),
        ]

    def _close_call(self) -> list[bytes]:
        call, self._open_call = self._open_call, None
        if call is None:
            return []
        item = call_item(
            call.item_id, call.call_id, call.name, call.arguments, known=self._namespaces
        )
        self._output[call.index] = item
        return [
            self._event(
                "response.function_call_arguments.done",
                {
                    "item_id": call.item_id,
                    "output_index": call.index,
                    "name": item["name"],
                    "arguments": call.arguments,
                },
            ),
            self._event("response.output_item.done", {"output_index": call.index, "item": item}),
        ]

    def _tool_delta(self, delta: Json) -> list[bytes]:
        frames: list[bytes] = []
        index = int(delta.get("index", 0))
        fn = delta.get("function") or {}
        call = self._calls.get(index)
        if call is None:
            frames += self._close_text() + self._close_call()
            prefix = item_ids(str(self.base["id"]))[1]
            call = _Call(
                len(self._output),
                f"{prefix}_{len(self._calls)}",
                str(delta.get("id") or ""),
                str(fn.get("name") or ""),
            )
            self._calls[index] = call
            self._open_call = call
            self._output.append(
                call_item(
                    call.item_id, call.call_id, call.name, "", "in_progress", self._namespaces
                )
            )
            frames.append(
                self._event(
                    "response.output_item.added",
                    {"output_index": call.index, "item": self._output[-1]},
                )
            )
        piece = str(fn.get("arguments") or "")
        if piece:
            call.arguments += piece
            frames.append(
                self._event(
                    "response.function_call_arguments.delta",
                    {"item_id": call.item_id, "output_index": call.index, "delta": piece},
                )
            )
        return frames

    # ---- chunks --------------------------------------------------------------------------
    def feed(self, chunk: Json) -> list[bytes]:
        """The events of one pipeline chunk."""
        if "error" in chunk:
            return self._failed(chunk["error"])
        if is_usage_chunk(chunk):
            return self._completed(chunk.get("usage"))
        frames: list[bytes] = []
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            content = delta.get("content")
            if content:
                if self._text is None:
                    frames += self._close_call() + self._open_text()
                assert self._text is not None
                self._text.append(str(content))
                frames.append(
                    self._event(
                        "response.output_text.delta",
                        {
                            "item_id": item_ids(str(self.base["id"]))[0],
                            "output_index": self._text_index,
                            "content_index": 0,
                            "delta": str(content),
                            "logprobs": [],
                        },
                    )
                )
            for call in delta.get("tool_calls") or []:
                frames += self._tool_delta(call)
            if choice.get("finish_reason"):
                self._finish_reason = str(choice["finish_reason"])
        return frames

    def _completed(self, chat_usage: Any) -> list[bytes]:
        frames = self._close_text() + self._close_call()
        if not self._output:  # an empty answer is still one (empty) message
            frames += self._open_text() + self._close_text()
        self.final = finished(
            self.base,
            list(self._output),
            self._finish_reason,
            chat_usage if isinstance(chat_usage, dict) else None,
        )
        name = (
            "response.incomplete" if self.final["status"] == "incomplete" else "response.completed"
        )
        return frames + [self._event(name, {"response": self.final})]

    def _failed(self, error: Any) -> list[bytes]:
        err = error if isinstance(error, dict) else {"message": str(error)}
        code = str(err.get("code") or "server_error")
        message = str(err.get("message") or "The response stream was interrupted.")
        failed = {
            **self.base,
            "status": "failed",
            "output": list(self._output),
            "error": {"code": code, "message": message},
        }
        return [
            self._event("error", {"code": code, "message": message, "param": None}),
            self._event("response.failed", {"response": failed}),
        ]
