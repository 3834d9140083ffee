// Unit tests against a scripted local HTTP server: URLs, retries, errors, streams, metadata.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";

import {
  Tokaroo,
  APIError,
  AuthenticationError,
  InsufficientBalanceError,
  RateLimitError,
  InternalServerError,
  NotFoundError,
  APIConnectionError,
  APIConnectionTimeoutError,
  APIUserAbortError,
  TokarooError,
  retryAfterMs,
} from "../dist/index.js";

/** Starts a server answering each request with the next of `handlers`; returns its URL. */
async function serve(handlers) {
  const seen = [];
  let i = 0;
  const server = http.createServer(async (req, res) => {
    let body = "";
    for await (const part of req) body += part;
    seen.push({ method: req.method, url: req.url, headers: req.headers, body: body ? JSON.parse(body) : undefined, at: Date.now() });
    const handler = handlers[Math.min(i++, handlers.length - 1)];
    await handler(req, res);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

const json = (status, body, headers = {}) => (req, res) => {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
};

const completion = { id: "c1", object: "chat.completion", created: 1, model: "auto",
  choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2, cost_usd: "0.000001000" } };

const err = (status, code, type = "invalid_request_error") =>
  ({ error: { message: `failed ${status}`, type, param: status === 400 ? "messages" : null, code } });

test("base URL: default, env, bare origin and /v1 paths of _fetch", async () => {
  const saved = { ...process.env };
  try {
    delete process.env.TOKAROO_BASE_URL;
    process.env.TOKAROO_API_KEY = "tok_env";
    const c = new Tokaroo();
    assert.equal(c.apiKey, "tok_env");
    assert.equal(c.baseURL, "https://api.tokaroo.com/v1");
    assert.equal(c.buildURL("/v1/models"), "https://api.tokaroo.com/v1/models");
    assert.equal(c.buildURL("/models"), "https://api.tokaroo.com/v1/models");
    assert.equal(c.buildURL("/usage", { limit: 5, cursor: undefined }), "https://api.tokaroo.com/v1/usage?limit=5");
    process.env.TOKAROO_BASE_URL = "http://127.0.0.1:9/v1/";
    assert.equal(new Tokaroo().baseURL, "http://127.0.0.1:9/v1");
    assert.equal(new Tokaroo({ baseURL: "https://x.example" }).buildURL("/v1/balance"), "https://x.example/v1/balance");
    assert.equal(new Tokaroo({ baseURL: "https://x.example/proxy" }).buildURL("/v1/balance"), "https://x.example/proxy/v1/balance");
    assert.equal(new Tokaroo({ apiKey: "k" }).buildURL("http://other/v1/x"), "http://other/v1/x");
    delete process.env.TOKAROO_API_KEY;
    assert.throws(() => new Tokaroo(), TokarooError);
  } finally {
    process.env = saved;
  }
});

test("create sends the key and body, returns typed JSON with _tokaroo metadata", async () => {
  const srv = await serve([json(200, completion, { "x-tokaroo-cache": "hit", "x-tokaroo-cost": "0.000001000", "x-request-id": "req-1" })]);
  try {
    const client = new Tokaroo({ apiKey: "tok_k", baseURL: `${srv.url}/v1` });
    const res = await client.chat.completions.create({ model: "auto", messages: [{ role: "user", content: "Hello!" }], max_tokens: 5 });
    assert.equal(res.choices[0].message.content, "hi");
    assert.deepEqual(res._tokaroo.cache, "hit");
    assert.equal(res._tokaroo.cost, 0.000001);
    assert.equal(res._tokaroo.costExact, "0.000001000");
    assert.equal(res._tokaroo.requestId, "req-1");
    assert.ok(!("_tokaroo" in JSON.parse(JSON.stringify(res))), "metadata is not enumerable");
    assert.equal(srv.seen[0].url, "/v1/chat/completions");
    assert.equal(srv.seen[0].headers.authorization, "Bearer tok_k");
    assert.deepEqual(srv.seen[0].body, { model: "auto", messages: [{ role: "user", content: "Hello!" }], max_tokens: 5 });
  } finally {
    await srv.close();
  }
});

test("retries 429 and 5xx honouring retry-after, then succeeds", async () => {
  const srv = await serve([
    json(429, err(429, "rate_limit_exceeded", "rate_limit_error"), { "retry-after": "1" }),
    json(503, err(503, "upstream_unavailable", "api_error"), { "retry-after-ms": "50" }),
    json(200, completion),
  ]);
  try {
    const client = new Tokaroo({ apiKey: "k", baseURL: `${srv.url}/v1`, maxRetries: 2 });
    const res = await client.chat.completions.create({ model: "auto", messages: [{ role: "user", content: "x" }] });
    assert.equal(res.id, "c1");
    assert.equal(srv.seen.length, 3);
    const wait1 = srv.seen[1].at - srv.seen[0].at;
    const wait2 = srv.seen[2].at - srv.seen[1].at;
    assert.ok(wait1 >= 950, `waited ${wait1} ms for retry-after: 1`);
    assert.ok(wait2 >= 45 && wait2 < 900, `waited ${wait2} ms for retry-after-ms: 50`);
  } finally {
    await srv.close();
  }
});

test("gives up after maxRetries with a typed error carrying the OpenAI fields", async () => {
  const srv = await serve([json(429, err(429, "rate_limit_exceeded", "rate_limit_error"), { "retry-after": "0", "x-request-id": "r9" })]);
  try {
    const client = new Tokaroo({ apiKey: "k", baseURL: `${srv.url}/v1`, maxRetries: 1 });
    await assert.rejects(client.balance.get(), (e) => {
      assert.ok(e instanceof RateLimitError && e instanceof APIError && e instanceof TokarooError);
      assert.equal(e.status, 429);
      assert.equal(e.type, "rate_limit_error");
      assert.equal(e.code, "rate_limit_exceeded");
      assert.equal(e.param, null);
      assert.equal(e.message, "failed 429");
      assert.equal(e.requestId, "r9");
      return true;
    });
    assert.equal(srv.seen.length, 2);
  } finally {
    await srv.close();
  }
});

test("4xx errors are not retried and map to their classes", async () => {
  const cases = [[401, AuthenticationError], [402, InsufficientBalanceError], [404, NotFoundError], [500, InternalServerError], [400, APIError]];
  for (const [status, cls] of cases) {
    const srv = await serve([json(status, err(status, `code_${status}`))]);
    try {
      const client = new Tokaroo({ apiKey: "k", baseURL: `${srv.url}/v1`, maxRetries: 0 });
      await assert.rejects(client.keys.list(), (e) => e instanceof cls && e.status === status && e.code === `code_${status}`);
      assert.equal(srv.seen.length, 1);
    } finally {
      await srv.close();
    }
  }
  const srv = await serve([json(400, err(400, "bad"))]);
  try {
    const client = new Tokaroo({ apiKey: "k", baseURL: `${srv.url}/v1` });
    await assert.rejects(client.embeddings.create({ input: "x" }), (e) => e.param === "messages" && e.type === "invalid_request_error");
    assert.equal(srv.seen.length, 1, "a 400 is not retried");
  } finally {
    await srv.close();
  }
});

test("connection failures are retried and then raise APIConnectionError", async () => {
  const srv = await serve([json(200, {})]);
  const url = srv.url;
  await srv.close();
  const client = new Tokaroo({ apiKey: "k", baseURL: `${url}/v1`, maxRetries: 1 });
  await assert.rejects(client.balance.get(), APIConnectionError);
});

test("timeouts raise APIConnectionTimeoutError; a caller's abort raises APIUserAbortError", async () => {
  const srv = await serve([(req, res) => setTimeout(() => json(200, {})(req, res), 1500)]);
  try {
    const client = new Tokaroo({ apiKey: "k", baseURL: `${srv.url}/v1`, maxRetries: 0, timeout: 100 });
    await assert.rejects(client.balance.get(), APIConnectionTimeoutError);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(client.balance.get({ signal: ac.signal, timeout: 5000 }), APIUserAbortError);
  } finally {
    await srv.close();
  }
});

const sse = (events, headers = {}) => (req, res) => {
  res.writeHead(200, { "content-type": "text/event-stream", "x-tokaroo-cache": "miss", "x-request-id": "s1", ...headers });
  for (const e of events) res.write(typeof e === "string" ? e : `data: ${JSON.stringify(e)}\n\n`);
  res.end();
};
const chunk = (content, extra = {}) => ({ id: "s", object: "chat.completion.chunk", created: 1, model: "auto",
  choices: [{ index: 0, delta: { content }, finish_reason: null }], ...extra });

test("stream(): async iterator of chunks, usage and cost from the final chunk", async () => {
  const srv = await serve([sse([
    chunk("Once"), ": keep-alive comment\n\n", chunk(" upon"), "data: " + JSON.stringify(chunk(" a time")).slice(0, 20),
    JSON.stringify(chunk(" a time")).slice(20) + "\r\n\r\n",
    { id: "s", object: "chat.completion.chunk", created: 1, model: "auto", choices: [],
      usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6, cost_usd: "0.000002500" } },
    "data: [DONE]\n\n",
  ])]);
  try {
    const client = new Tokaroo({ apiKey: "k", baseURL: `${srv.url}/v1` });
    const stream = client.chat.completions.stream({ model: "auto", messages: [{ role: "user", content: "Tell me a story" }] });
    let text = "";
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? "";
    assert.equal(text, "Once upon a time");
    assert.equal(stream.usage.total_tokens, 6);
    assert.equal(stream._tokaroo.cache, "miss");
    assert.equal(stream._tokaroo.costExact, "0.000002500");
    assert.equal(stream._tokaroo.cost, 0.0000025);
    assert.deepEqual(srv.seen[0].body.stream_options, { include_usage: true });
    assert.equal(srv.seen[0].body.stream, true);
    await assert.rejects(async () => { for await (const _ of stream) { /* twice */ } }, /only once/);
  } finally {
    await srv.close();
  }
});

test("create({stream: true}) rejects on an HTTP error before iterating; mid-stream errors throw", async () => {
  const srv = await serve([
    json(402, err(402, "insufficient_balance")),
    sse([chunk("partial"), { error: { message: "The response stream was interrupted", type: "api_error", param: null, code: "stream_interrupted" } }]),
  ]);
  try {
    const client = new Tokaroo({ apiKey: "k", baseURL: `${srv.url}/v1`, maxRetries: 0 });
    await assert.rejects(client.chat.completions.create({ model: "auto", messages: [{ role: "user", content: "x" }], stream: true }),
      (e) => e instanceof InsufficientBalanceError && e.code === "insufficient_balance");
    const stream = await client.chat.completions.create({ model: "auto", messages: [{ role: "user", content: "x" }], stream: true });
    assert.equal(stream._tokaroo.requestId, "s1");
    const got = [];
    await assert.rejects(async () => { for await (const c of stream) got.push(c); },
      (e) => e instanceof APIError && e.code === "stream_interrupted");
    assert.equal(got.length, 1);
  } finally {
    await srv.close();
  }
});

test("breaking out of a stream closes the connection", async () => {
  let closed = false;
  const srv = await serve([(req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(`data: ${JSON.stringify(chunk("a"))}\n\n`);
    const t = setInterval(() => res.write(`data: ${JSON.stringify(chunk("b"))}\n\n`), 20);
    res.on("close", () => { closed = true; clearInterval(t); });
  }]);
  try {
    const client = new Tokaroo({ apiKey: "k", baseURL: `${srv.url}/v1` });
    let n = 0;
    for await (const _ of client.chat.completions.stream({ model: "auto", messages: [{ role: "user", content: "x" }] })) {
      if (++n === 3) break;
    }
    for (let i = 0; i < 50 && !closed; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(closed, "server saw the connection close");
  } finally {
    await srv.close();
  }
});

test("keys, usage and _fetch use the documented paths", async () => {
  const srv = await serve([
    json(201, { id: "k1", name: "production", prefix: "tok_ab", created_at: "2026-01-01T00:00:00Z", key: "tok_secret" }),
    json(200, { object: "list", data: [] }),
    json(200, { id: "k1", deleted: true, revoked: true }),
    json(200, { object: "list", data: [], has_more: false, next_cursor: null }),
    json(200, { object: "list", data: [{ id: "auto" }] }),
  ]);
  try {
    const client = new Tokaroo({ apiKey: "k", baseURL: `${srv.url}/v1` });
    const { key } = await client.keys.create("production");
    assert.equal(key, "tok_secret");
    await client.keys.list();
    await client.keys.revoke("k 1");
    await client.usage.list({ limit: 50, cursor: "abc" });
    const { data } = await client._fetch("GET", "/v1/models");
    assert.equal(data[0].id, "auto");
    assert.deepEqual(srv.seen.map((s) => `${s.method} ${s.url}`), [
      "POST /v1/keys", "GET /v1/keys", "DELETE /v1/keys/k%201", "GET /v1/usage?limit=50&cursor=abc", "GET /v1/models",
    ]);
    assert.deepEqual(srv.seen[0].body, { name: "production" });
  } finally {
    await srv.close();
  }
});

test("retryAfterMs reads seconds, milliseconds and HTTP dates", () => {
  const h = (o) => new Headers(o);
  assert.equal(retryAfterMs(h({ "retry-after": "2" })), 2000);
  assert.equal(retryAfterMs(h({ "retry-after-ms": "150" })), 150);
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(retryAfterMs(h({ "retry-after": "Thu, 01 Jan 2026 00:00:03 GMT" }), now), 3000);
  assert.equal(retryAfterMs(h({})), null);
});

test("responses: create, retrieve, delete, and a stream with its final response", async () => {
  const response = { id: "resp_1", object: "response", status: "completed", model: "auto",
    output: [{ type: "message", id: "msg_1", role: "assistant", content: [{ type: "output_text", text: "hi", annotations: [] }] }],
    usage: { input_tokens: 1, output_tokens: 1, total_tokens: 2, cost_usd: "0.000001000" } };
  const events = [
    { type: "response.created", sequence_number: 0, response: { ...response, status: "in_progress", output: [] } },
    { type: "response.output_text.delta", sequence_number: 1, delta: "hi" },
    { type: "response.completed", sequence_number: 2, response },
  ];
  const sse = (list) => (req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.end(list.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join(""));
  };
  const srv = await serve([
    json(200, response, { "x-tokaroo-cost": "0.000001000", "x-tokaroo-cache": "miss" }),
    json(200, response),
    json(200, { id: "resp_1", object: "response.deleted", deleted: true }),
    sse(events),
    sse([{ type: "error", sequence_number: 0, code: "stream_interrupted", message: "interrupted", param: null }]),
  ]);
  try {
    const c = new Tokaroo({ apiKey: "tok_x", baseURL: `${srv.url}/v1`, maxRetries: 0 });
    const res = await c.responses.create({ model: "auto", input: "Hello" });
    assert.equal(res.output_text, "hi");
    assert.equal(res._tokaroo.costExact, "0.000001000");
    assert.equal((await c.responses.retrieve("resp_1")).id, "resp_1");
    await c.responses.delete("resp_1");
    const stream = c.responses.stream({ model: "auto", input: "Hi" });
    const kinds = [];
    for await (const e of stream) kinds.push(e.type);
    assert.deepEqual(kinds, ["response.created", "response.output_text.delta", "response.completed"]);
    assert.equal(stream.response.output_text, "hi");
    assert.equal(stream._tokaroo.costExact, "0.000001000");
    await assert.rejects(c.responses.stream({ model: "auto", input: "Hi" }).finalResponse(), APIError);
    assert.deepEqual(srv.seen.map((s) => `${s.method} ${s.url}`), [
      "POST /v1/responses", "GET /v1/responses/resp_1", "DELETE /v1/responses/resp_1",
      "POST /v1/responses", "POST /v1/responses"]);
    assert.equal(srv.seen[0].body.stream, false);
    assert.equal(srv.seen[3].body.stream, true);
  } finally {
    await srv.close();
  }
});
