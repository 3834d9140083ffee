// Live tests against a running Tokaroo (TOKAROO_BASE_URL, TOKAROO_API_KEY): the Python e2e suite
// (tests/e2e/test_sdk_js.py) starts the local stack and runs `npm test` with both set.
import { test } from "node:test";
import assert from "node:assert/strict";

import { Tokaroo, AuthenticationError, NotFoundError, BadRequestError, APIError } from "../dist/index.js";

const live = Boolean(process.env.TOKAROO_BASE_URL && process.env.TOKAROO_API_KEY);
const skip = live ? false : "TOKAROO_BASE_URL / TOKAROO_API_KEY not set (run through tests/e2e/test_sdk_js.py)";
const client = live ? new Tokaroo({ maxRetries: 2 }) : null;
const unique = () => `${Date.now()}-${Math.random().toString(36).slice(2)}`;

async function eventually(fn, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

test("chat completion: answer, echoed model, cost and cache metadata, billed", { skip }, async () => {
  const before = await client.balance.get();
  const res = await client.chat.completions.create({
    model: "auto",
    messages: [{ role: "user", content: `Hello from the JS SDK ${unique()}` }],
    max_tokens: 500,
    temperature: 0.7,
  });
  assert.ok(res.choices[0].message.content);
  assert.equal(res.model, "auto");
  assert.equal(res._tokaroo.cache, "miss");
  assert.ok(res._tokaroo.cost > 0);
  assert.match(res._tokaroo.costExact, /^\d+\.\d+$/);
  assert.ok(res._tokaroo.requestId);
  assert.equal(res.usage.cost_usd, res._tokaroo.costExact);
  const after = await eventually(async () => {
    const b = await client.balance.get();
    return Number(b.balance_usd_exact) < Number(before.balance_usd_exact) ? b : null;
  });
  assert.ok(after, "the balance went down");
  assert.equal(typeof after.balance_usd, "number");
});

test("the same prompt again is a cache hit", { skip }, async () => {
  const messages = [{ role: "user", content: `What is the capital of France? ${unique()}` }];
  await client.chat.completions.create({ model: "auto", messages });
  const again = await eventually(async () => {
    const r = await client.chat.completions.create({ model: "auto", messages });
    return r._tokaroo.cache === "hit" ? r : null;
  }, 10000);
  assert.ok(again, "second identical request served from cache");
});

test("stream(): for await over chunks, final usage with cost_usd", { skip }, async () => {
  const stream = client.chat.completions.stream({
    model: "auto",
    messages: [{ role: "user", content: `Tell me a story ${unique()}` }],
  });
  let text = "";
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    assert.equal(chunk.model, "auto");
    text += chunk.choices[0]?.delta?.content ?? "";
  }
  assert.ok(chunks > 2 && text.length > 0);
  assert.ok(stream.usage && stream.usage.completion_tokens > 0);
  assert.ok(Number(stream.usage.cost_usd) > 0);
  assert.equal(stream._tokaroo.costExact, stream.usage.cost_usd);
  assert.ok(stream._tokaroo.requestId);
});

test("create({ stream: true }) and streamed tool calls", { skip }, async () => {
  const stream = await client.chat.completions.create({
    model: "auto",
    stream: true,
    messages: [{ role: "user", content: `What is the weather in Paris? ${unique()}` }],
    tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } }],
  });
  let name = "";
  let args = "";
  let finish = null;
  for await (const chunk of stream) {
    const choice = chunk.choices[0];
    if (!choice) continue;
    for (const tc of choice.delta.tool_calls ?? []) {
      name += tc.function?.name ?? "";
      args += tc.function?.arguments ?? "";
    }
    finish = choice.finish_reason ?? finish;
  }
  assert.equal(name, "get_weather");
  assert.equal(typeof JSON.parse(args), "object");
  assert.equal(finish, "tool_calls");
});

test("embeddings: float vectors by default, base64 on request decoding to the same numbers", { skip }, async () => {
  const res = await client.embeddings.create({ input: "The quick brown fox" });
  const vector = res.data[0].embedding;
  assert.ok(Array.isArray(vector) && vector.length > 0 && typeof vector[0] === "number");
  assert.ok(res._tokaroo.cost >= 0);
  const b64 = await client.embeddings.create({ input: "The quick brown fox", encoding_format: "base64" });
  const buf = Buffer.from(b64.data[0].embedding, "base64");
  const floats = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  assert.equal(floats.length, vector.length);
  for (let i = 0; i < vector.length; i++) assert.ok(Math.abs(floats[i] - vector[i]) < 1e-6);
});

test("_fetch GET /v1/models: virtual models and priced models", { skip }, async () => {
  const { data } = await client._fetch("GET", "/v1/models");
  const ids = data.map((m) => m.id);
  for (const v of ["auto", "fast", "max"]) assert.ok(ids.includes(v));
  const priced = data.filter((m) => m.pricing);
  assert.ok(priced.length > 0);
  assert.equal(typeof priced[0].pricing.input_per_1m, "number");
  assert.equal(typeof priced[0].owned_by, "string");
});

test("usage.list: newest first, the documented fields, cursor paging", { skip }, async () => {
  const page = await eventually(async () => {
    const p = await client.usage.list({ limit: 2 });
    return p.data.length === 2 ? p : null;
  });
  assert.ok(page, "usage rows appear");
  for (const f of ["id", "tier", "input_tokens", "output_tokens", "charged_usd", "latency_ms", "created_at"]) {
    assert.ok(f in page.data[0], `usage row has ${f}`);
  }
  assert.ok(page.data[0].created_at >= page.data[1].created_at);
  if (page.has_more) {
    const next = await client.usage.list({ limit: 2, cursor: page.next_cursor });
    assert.ok(!next.data.some((r) => page.data.some((p) => p.id === r.id)));
  }
});

test("keys: create (secret once), list (no secrets), use, revoke", { skip }, async () => {
  const created = await client.keys.create("production");
  assert.match(created.key, /^tok_/);
  assert.equal(created.name, "production");
  const { data } = await client.keys.list();
  const mine = data.find((k) => k.id === created.id);
  assert.ok(mine && !("key" in mine));
  const other = new Tokaroo({ apiKey: created.key });
  assert.ok((await other.balance.get()).balance_usd >= 0);
  const revoked = await client.keys.revoke(created.id);
  assert.equal(revoked.id, created.id);
  await new Promise((r) => setTimeout(r, 1200)); // the edge remembers a key for up to a second
  await assert.rejects(other.balance.get(), (e) => e instanceof AuthenticationError && e.status === 401 && e.code === "invalid_api_key");
});

test("typed errors carry the OpenAI fields", { skip }, async () => {
  await assert.rejects(
    client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "x" }] }),
    (e) => e instanceof NotFoundError && e.status === 404 && e.code === "model_not_found" && e.type === "invalid_request_error" && e.message.length > 0 && Boolean(e.requestId),
  );
  await assert.rejects(
    client.chat.completions.create({ model: "auto", messages: "nope" }),
    (e) => e instanceof APIError && e.status === 400 && e instanceof BadRequestError && e.type === "invalid_request_error",
  );
  await assert.rejects(client.keys.revoke("00000000-0000-0000-0000-000000000000"), (e) => e instanceof APIError && e.status === 404);
});
