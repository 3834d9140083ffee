"""The Starlette app: thin handlers over the pure provider formats, faults and content."""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tokaroo_simulator import (
    anthropic_format,
    embeddings,
    gemini_format,
    openai_format,
    responses_format,
)
from tokaroo_simulator.cache_blocks import (
    anthropic_blocks,
    gemini_blocks,
    openai_blocks,
    responses_blocks,
)
from tokaroo_simulator.config import Settings
from tokaroo_simulator.content import BadRequest, Reply, count_tokens, plan_reply
from tokaroo_simulator.dialect import Dialect, ReplyContext
from tokaroo_simulator.faults import ERROR_STATUS, FaultTable, Stats, parse_rule
from tokaroo_simulator.prompt_cache import CacheBlock, CacheRuleError, PromptCaches
from tokaroo_simulator.transport import Dropped, Frames, hold, split_body, sse_headers

_JSON = "application/json"
_SSE = "text/event-stream"

Blocks = Callable[[Mapping[str, Any]], list[CacheBlock]]


def _cache_blocks(provider: str, body: Mapping[str, Any]) -> Blocks | None:
    """How a provider's request body reads as prompt-cache blocks (chat completions and
    Responses are both OpenAI's)."""
    if provider == "openai":
        return openai_blocks if "messages" in body else responses_blocks
    return {"anthropic": anthropic_blocks, "gemini": gemini_blocks}.get(provider)


class SimState:
    """Everything mutable the app owns: the fault rules and the request counts."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.faults = FaultTable(settings.seed)
        self.stats = Stats()
        self.caches = PromptCaches(enabled=settings.prompt_cache)
        self.clock = clock

    def cached(self, dialect: str, model: str, body: Any, reply: Reply) -> Reply:
        """The reply with the prompt-cache part of its usage, as the provider would count it."""
        blocks_of = _cache_blocks(dialect, body) if isinstance(body, Mapping) else None
        if blocks_of is None:
            return reply
        provider = dialect
        extended = body.get("prompt_cache_retention") == "24h"
        try:
            use = self.caches.usage(
                provider,
                model,
                blocks_of(body),
                reply.prompt_tokens,
                self.clock(),
                extended=extended,
            )
        except CacheRuleError as exc:
            raise BadRequest(str(exc)) from exc
        return dataclasses.replace(
            reply, cached_tokens=use.read, cache_write_5m=use.write_5m, cache_write_1h=use.write_1h
        )


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type=_JSON)


async def _read_json(request: Request) -> Any:
    raw = await request.body()
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"We could not parse the JSON body of your request: {exc}") from exc


class _Call:
    """One model request in flight: decides its fault, waits, answers or fails."""

    def __init__(self, request: Request, dialect: Dialect) -> None:
        self.request = request
        self.dialect = dialect
        self.state: SimState = request.app.state.sim
        self.model = "(unknown)"

    def error(self, status: int, message: str = "") -> Response:
        return _json(self.dialect.error_body(status, message), status)

    async def run(
        self, model_of: Callable[[Any], str], answer: Callable[[Any, str | None], Response]
    ) -> Response:
        stats, outcome = self.state.stats, "ok"
        try:
            auth = self.dialect.auth_error(self.request.headers, self.request.query_params)
            if auth is not None:
                outcome = "unauthorized"
                return _json(auth[1], auth[0])
            body = await _read_json(self.request)
            self.model = model_of(body)
            fault = self.state.faults.decide(self.dialect.NAME, self.model)
            outcome = fault or "ok"
            if fault == "connect-reset":
                return Dropped(reset=True)
            await self._first_byte_delay(fault)
            if fault in ERROR_STATUS:
                return self.error(ERROR_STATUS[fault])
            if fault == "timeout":
                await hold(self.request.receive, self.state.settings.timeout_s)
                return Dropped(reset=False)
            return answer(body, fault)
        except BadRequest as exc:
            outcome = "bad_request"
            return self.error(400, exc.message)
        finally:
            stats.record(self.dialect.NAME, self.model, outcome)

    async def _first_byte_delay(self, fault: str | None) -> None:
        s = self.state.settings
        delay_ms = s.latency_ms + (s.slow_ms if fault == "slow" else 0)
        if delay_ms:
            await asyncio.sleep(delay_ms / 1000)

    def context(self) -> ReplyContext:
        return ReplyContext(
            model=self.model, created=int(time.time()), response_id=secrets.token_hex(12)
        )

    def body_response(self, body: dict[str, Any], fault: str | None) -> Response:
        if fault == "break-midstream":
            return Frames(split_body(orjson.dumps(body)), _JSON, break_after=1)
        return _json(body)

    def stream_response(
        self, frames: list[bytes], fault: str | None, media_type: str = _SSE
    ) -> Response:
        rate = self.state.settings.tokens_per_second
        # Halfway, and never before the first frame with text (or tool-call arguments): a
        # short Anthropic reply would otherwise break inside its opening framing.
        break_after = (
            min(max(self.dialect.OPENING_FRAMES + 1, len(frames) // 2), len(frames) - 1)
            if fault == "break-midstream"
            else None
        )
        return Frames(
            frames,
            media_type,
            interval=1 / rate if rate else 0.0,
            break_after=break_after,
            headers=sse_headers(),
        )


def _body_model(body: Any) -> str:
    model = body.get("model") if isinstance(body, dict) else None
    if not isinstance(model, str) or not model:
        raise BadRequest("model is required")
    return model


def _chat(dialect: Dialect, *, usage_in_stream: Callable[[Any], bool]) -> Any:
    async def handler(request: Request) -> Response:
        call = _Call(request, dialect)

        def answer(body: Any, fault: str | None) -> Response:
            reply = call.state.cached(
                dialect.NAME, call.model, body, plan_reply(dialect.parse_chat(body))
            )
            if body.get("stream") is True:
                return call.stream_response(
                    dialect.stream_frames(reply, call.context(), usage_in_stream(body)), fault
                )
            return call.body_response(dialect.render(reply, call.context()), fault)

        return await call.run(_body_model, answer)

    return handler


def _include_usage(body: Any) -> bool:
    opts = body.get("stream_options")
    return isinstance(opts, dict) and opts.get("include_usage") is True


async def openai_embeddings(request: Request) -> Response:
    call = _Call(request, openai_format)

    def answer(body: Any, fault: str | None) -> Response:
        texts = openai_format.embedding_inputs(body)
        requested = body.get("dimensions")
        if requested is not None and (
            not isinstance(requested, int) or not 1 <= requested <= embeddings.MAX_DIMS
        ):
            raise BadRequest("dimensions must be a positive integer")
        dims = embeddings.dims_for_model(call.model, requested)
        encoding = body.get("encoding_format", "float")
        if encoding not in ("float", "base64"):
            raise BadRequest("encoding_format must be float or base64")
        vectors: list[Any] = [embeddings.embed(t, dims) for t in texts]
        if encoding == "base64":
            vectors = [embeddings.to_base64(v) for v in vectors]
        tokens = count_tokens(sum(len(t) for t in texts))
        return call.body_response(openai_format.embeddings_body(call.model, vectors, tokens), fault)

    return await call.run(_body_model, answer)


async def list_models(request: Request) -> Response:
    h = request.headers
    if h.get("anthropic-version") and not h.get("authorization"):
        return _json(anthropic_format.models_body())
    return _json(openai_format.models_body())


async def get_model(request: Request) -> Response:
    return _json(openai_format.model_object(request.path_params["model"]))


async def gemini_models(request: Request) -> Response:
    return _json(gemini_format.models_body())


async def gemini_call(request: Request) -> Response:
    model, _, method = request.path_params["rest"].rpartition(":")
    model = model.removeprefix("models/")
    call = _Call(request, gemini_format)
    if not model or method not in (
        "generateContent",
        "streamGenerateContent",
        "embedContent",
        "batchEmbedContents",
        "countTokens",
    ):
        return call.error(404, f"Method not found: {method or request.path_params['rest']}")

    def answer(body: Any, fault: str | None) -> Response:
        if method in ("embedContent", "batchEmbedContents"):
            return _gemini_embed(call, body, method, fault)
        prompt = gemini_format.parse_chat(body)
        if method == "countTokens":
            return _json({"totalTokens": plan_reply(prompt).prompt_tokens})
        reply = call.state.cached("gemini", model, body, plan_reply(prompt))
        if method == "generateContent":
            return call.body_response(gemini_format.render(reply, call.context()), fault)
        if request.query_params.get("alt") == "sse":
            return call.stream_response(gemini_format.stream_frames(reply, call.context()), fault)
        return call.stream_response(
            gemini_format.json_array_frames(reply, call.context()), fault, media_type=_JSON
        )

    return await call.run(lambda _body: model, answer)


def _gemini_embed(call: _Call, body: Any, method: str, fault: str | None) -> Response:
    if method == "embedContent":
        text, dims = gemini_format.embed_text(body)
        values = embeddings.embed(text, embeddings.dims_for_model(call.model, dims))
        return call.body_response({"embedding": {"values": values}}, fault)
    requests = body.get("requests") if isinstance(body, dict) else None
    if not isinstance(requests, list) or not requests:
        raise BadRequest("* BatchEmbedContentsRequest.requests: requests is not specified")
    out = []
    for r in requests:
        text, dims = gemini_format.embed_text(r)
        out.append({"values": embeddings.embed(text, embeddings.dims_for_model(call.model, dims))})
    return call.body_response({"embeddings": out}, fault)


async def healthz(request: Request) -> Response:
    return _json({"status": "ok"})


async def set_fault(request: Request) -> Response:
    state: SimState = request.app.state.sim
    try:
        rule = parse_rule(orjson.loads(await request.body()))
    except (ValueError, orjson.JSONDecodeError) as exc:
        return _json({"error": str(exc)}, 400)
    state.faults.set(rule)
    return _json({"rules": [r.to_json() for r in state.faults.rules]})


async def list_faults(request: Request) -> Response:
    state: SimState = request.app.state.sim
    return _json({"rules": [r.to_json() for r in state.faults.rules]})


async def clear_faults(request: Request) -> Response:
    request.app.state.sim.faults.clear()
    return _json({"rules": []})


async def stats(request: Request) -> Response:
    return _json(request.app.state.sim.stats.to_json())


async def reset(request: Request) -> Response:
    state: SimState = request.app.state.sim
    state.faults.clear()
    state.stats.clear()
    state.caches.clear()
    return _json({"status": "reset"})


def _provider_routes(providers: tuple[str, ...]) -> list[Route]:
    """The wire formats of the providers served (the others answer 404)."""
    routes: list[Route] = []
    if "openai" in providers:
        routes += [
            Route(
                "/v1/chat/completions",
                _chat(openai_format, usage_in_stream=_include_usage),
                methods=["POST"],
            ),
            Route(
                "/v1/responses",
                _chat(responses_format, usage_in_stream=lambda _b: True),
                methods=["POST"],
            ),
            Route("/v1/embeddings", openai_embeddings, methods=["POST"]),
        ]
    if "openai" in providers or "anthropic" in providers:  # both list models at /v1/models
        routes += [Route("/v1/models", list_models), Route("/v1/models/{model:path}", get_model)]
    if "anthropic" in providers:
        routes.append(
            Route(
                "/v1/messages",
                _chat(anthropic_format, usage_in_stream=lambda _b: True),
                methods=["POST"],
            )
        )
    if "gemini" in providers:
        routes += [
            Route("/v1beta/models", gemini_models),
            Route("/v1beta/models/{rest:path}", gemini_call, methods=["POST"]),
        ]
    return routes


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            *_provider_routes(settings.providers),
            Route("/_sim/faults", set_fault, methods=["POST"]),
            Route("/_sim/faults", list_faults, methods=["GET"]),
            Route("/_sim/faults", clear_faults, methods=["DELETE"]),
            Route("/_sim/stats", stats),
            Route("/_sim/reset", reset, methods=["POST"]),
        ]
    )
    app.state.sim = SimState(settings)
    return app
