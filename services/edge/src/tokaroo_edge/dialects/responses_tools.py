"""Responses API tools as chat-completion tools, and back. Pure.

Function tools map one to one. A `namespace` tool groups function tools (Codex sends its
sub-agent tools so): each becomes a chat tool named `<namespace>__<name>`, and a call of one
comes back as a function_call with `name` and `namespace` apart, as OpenAI returns it.
Built-in tools run on OpenAI's side and are refused with a 400 naming the tool."""

from __future__ import annotations

from typing import Any

from tokaroo_common.errors import InvalidRequest

Json = dict[str, Any]
SEP = "__"


def _function(
    tool: Json, param: str, namespace: str | None = None, namespace_description: str = ""
) -> Json:
    name = tool.get("name")
    if not isinstance(name, str) or not name:
        raise InvalidRequest("A function tool needs a name.", param=f"{param}.name")
    fn: Json = {
        "name": qualified(name, namespace),
        "parameters": tool.get("parameters") or {"type": "object", "properties": {}},
    }
    description = " ".join(str(d) for d in (namespace_description, tool.get("description")) if d)
    if description:
        fn["description"] = description
    if tool.get("strict") is not None:
        fn["strict"] = tool["strict"]
    return {"type": "function", "function": fn}


def to_chat_tools(tools: list[Json] | None) -> list[Json] | None:
    out: list[Json] = []
    for i, tool in enumerate(tools or []):
        param, kind = f"tools[{i}]", tool.get("type")
        if kind == "function":
            out.append(_function(tool, param))
        elif kind == "namespace" and isinstance(tool.get("name"), str):
            ns_description = str(tool.get("description") or "")
            inners = tool.get("tools")
            if not isinstance(inners, list):
                raise InvalidRequest("A namespace needs a list of tools.", param=f"{param}.tools")
            for j, inner in enumerate(inners):
                if not isinstance(inner, dict) or inner.get("type") != "function":
                    raise InvalidRequest(
                        "A namespace may hold function tools only.",
                        param=f"{param}.tools[{j}].type",
                    )
                out.append(_function(inner, f"{param}.tools[{j}]", tool["name"], ns_description))
        else:
            raise InvalidRequest(
                f"Tool type {kind!r} is not supported: Tokaroo serves function tools only "
                "(built-in tools such as web_search, file_search, code_interpreter and "
                "computer_use run on OpenAI's side).",
                param=f"{param}.type",
            )
    return out or None


def to_chat_tool_choice(choice: str | Json | None) -> str | Json | None:
    if choice is None or isinstance(choice, str):
        return choice
    if choice.get("type") == "function" and isinstance(choice.get("name"), str):
        name = qualified(choice["name"], choice.get("namespace"))
        return {"type": "function", "function": {"name": name}}
    raise InvalidRequest(
        'tool_choice must be none, auto, required or {"type": "function", "name": ...}.',
        param="tool_choice",
    )


def qualified(name: str, namespace: Any) -> str:
    return f"{namespace}{SEP}{name}" if isinstance(namespace, str) and namespace else name


def namespaces(tools: list[Json] | None) -> frozenset[str]:
    return frozenset(
        str(t["name"])
        for t in tools or []
        if t.get("type") == "namespace" and isinstance(t.get("name"), str)
    )


def split(name: str, known: frozenset[str]) -> tuple[str, str | None]:
    """A chat tool call's name as (name, namespace) for the request's namespaces."""
    ns, sep, rest = name.partition(SEP)
    if sep and rest and ns in known:
        return rest, ns
    return name, None
