from tokaroo_edge.shaping import (
    StreamAggregate,
    pieces,
    read_usage,
    replay_chunks,
    shape_chunk,
    shape_completion,
    usage_with_cost,
)


def test_shape_hides_upstream_identity() -> None:
    body = {
        "id": "chatcmpl-upstream",
        "model": "gpt-4.1-nano-2025",
        "system_fingerprint": "fp_x",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
        ],
    }
    out = shape_completion(body, request_id="0190-abcd", model="auto", created=1)
    assert out["model"] == "auto"
    assert out["id"] == "chatcmpl-0190abcd"
    assert "system_fingerprint" not in out
    chunk = shape_chunk(
        {"model": "x", "usage": {}, "choices": []}, request_id="r", model="fast", created=1
    )
    assert chunk["model"] == "fast" and "usage" not in chunk


def test_aggregate_text_and_tool_calls_then_replay() -> None:
    agg = StreamAggregate()
    agg.add({"choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hel"}}]})
    agg.add({"choices": [{"index": 0, "delta": {"content": "lo"}}]})
    agg.add(
        {
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": "call_1",
                                "type": "function",
                                "function": {"name": "get", "arguments": ""},
                            }
                        ]
                    },
                }
            ]
        }
    )
    agg.add(
        {
            "choices": [
                {
                    "index": 0,
                    "delta": {"tool_calls": [{"index": 0, "function": {"arguments": '{"a":1}'}}]},
                }
            ]
        }
    )
    agg.add({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]})
    agg.add({"choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 3}})
    done = agg.to_completion()
    msg = done["choices"][0]["message"]
    assert msg["content"] == "Hello"
    assert msg["tool_calls"][0]["function"] == {"name": "get", "arguments": '{"a":1}'}
    assert done["choices"][0]["finish_reason"] == "tool_calls"
    assert read_usage(done["usage"]) == (5, 3, 0)
    replay = StreamAggregate()
    for c in replay_chunks(done):
        replay.add(c)
    assert replay.to_completion()["choices"] == done["choices"]


def test_usage_with_cost() -> None:
    u = usage_with_cost(10, 5, 2, 12_500)
    assert u["total_tokens"] == 15
    assert u["cost_usd"] == "0.000012500"
    assert u["prompt_tokens_details"] == {"cached_tokens": 2}


def test_pieces_rebuild_the_text_at_spaces() -> None:
    text = "The quick brown fox jumps over the lazy dog, again and again and again."
    parts = pieces(text)
    assert "".join(parts) == text
    assert len(parts) > 3 and all(len(p) <= 16 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert pieces("x" * 40) == ["x" * 16, "x" * 16, "x" * 8]
    assert pieces("") == []


def test_a_replayed_answer_streams_in_many_chunks() -> None:
    content = "word " * 40
    args = '{"city": "Paris", "unit": "celsius", "days": 3}'
    done = {
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {
                    "role": "assistant",
                    "content": content,
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "w", "arguments": args},
                        }
                    ],
                },
            }
        ]
    }
    chunks = replay_chunks(done)
    text = [c["choices"][0]["delta"].get("content") for c in chunks]
    assert sum(1 for t in text if t) > 10
    agg = StreamAggregate()
    for c in chunks:
        agg.add(c)
    assert agg.to_completion()["choices"][0]["message"]["content"] == content
    assert (
        agg.to_completion()["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
        == args
    )
