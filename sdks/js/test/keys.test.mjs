// Key controls and usage filters against a scripted local HTTP server.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";

import { Tokaroo, RateLimitError } from "../dist/index.js";

async function serve(handler) {
  const seen = [];
  const server = http.createServer(async (req, res) => {
    let body = "";
    for await (const part of req) body += part;
    seen.push({ method: req.method, url: req.url, headers: req.headers, body: body ? JSON.parse(body) : undefined });
    handler(req, res);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/v1`, seen, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

const KEY = { id: "k1", object: "api_key", name: "ci", prefix: "tok_abc", budget_usd: 5, budget_period: "day", spend_usd: 1.25, rpm: 60 };

test("keys.create/update send the controls; left out = unchanged, null = cleared", async () => {
  const srv = await serve((req, res) => {
    res.writeHead(req.method === "POST" ? 201 : 200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ...KEY, key: "tok_secret" }));
  });
  try {
    const client = new Tokaroo({ apiKey: "tok_x", baseURL: srv.url, maxRetries: 0 });
    const created = await client.keys.create({ name: "ci", budget_usd: "5", budget_period: "day", rpm: 60, allowed_models: ["auto"], expires_at: new Date("2027-01-01T00:00:00Z") });
    assert.equal(created.key, "tok_secret");
    assert.equal(created.spend_usd, 1.25);
    await client.keys.update("k1", { budget_usd: null, tpm: 1000 });
    await client.keys.create("plain");
    assert.deepEqual(srv.seen[0].body, { name: "ci", budget_usd: "5", budget_period: "day", rpm: 60, allowed_models: ["auto"], expires_at: "2027-01-01T00:00:00.000Z" });
    assert.equal(srv.seen[1].method, "PATCH");
    assert.equal(srv.seen[1].url, "/v1/keys/k1");
    assert.deepEqual(srv.seen[1].body, { budget_usd: null, tpm: 1000 });
    assert.deepEqual(srv.seen[2].body, { name: "plain" });
  } finally {
    await srv.close();
  }
});

test("usage.list filters and usage.summary", async () => {
  const srv = await serve((req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(req.url.startsWith("/v1/usage/summary")
      ? { object: "usage.summary", data: [], requests: 0, saved_usd: 0 }
      : { object: "list", data: [], has_more: false, next_cursor: null }));
  });
  try {
    const client = new Tokaroo({ apiKey: "tok_x", baseURL: srv.url, maxRetries: 0 });
    await client.usage.list({ key_id: "k1", cache: "exact", since: "2026-12-01" });
    const summary = await client.usage.summary({ key_id: "k1" });
    assert.equal(summary.requests, 0);
    const url = new URL(srv.seen[0].url, "http://x");
    assert.equal(url.searchParams.get("key_id"), "k1");
    assert.equal(url.searchParams.get("cache"), "exact");
    assert.equal(url.searchParams.get("since"), "2026-12-01");
    assert.ok(srv.seen[1].url.startsWith("/v1/usage/summary?key_id=k1"));
  } finally {
    await srv.close();
  }
});

test("a spent key budget is a RateLimitError with code key_budget_exceeded, not retried", async () => {
  const srv = await serve((req, res) => {
    res.writeHead(429, { "content-type": "application/json", "x-should-retry": "false" });
    res.end(JSON.stringify({ error: { message: "This API key's daily budget of $1.000000000 would be exceeded", type: "insufficient_quota", param: null, code: "key_budget_exceeded" } }));
  });
  try {
    const client = new Tokaroo({ apiKey: "tok_x", baseURL: srv.url, maxRetries: 2 });
    await assert.rejects(client.chat.completions.create({ model: "auto", messages: [{ role: "user", content: "hi" }] }),
      (err) => err instanceof RateLimitError && err.code === "key_budget_exceeded");
    assert.equal(srv.seen.length, 1);
  } finally {
    await srv.close();
  }
});
