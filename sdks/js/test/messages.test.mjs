// `client.messages` (Anthropic's Messages API): against a scripted local server, and live
// against a running Tokaroo when TOKAROO_BASE_URL / TOKAROO_API_KEY are set (as
// tests/e2e/test_sdk_js.py does): create, a streamed tool call assembled, countTokens, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";

import { Tokaroo, AuthenticationError, MessageStream } from "../dist/index.js";

const live = Boolean(process.env.TOKAROO_BASE_URL && process.env.TOKAROO_API_KEY);
const skip = live ? false : "TOKAROO_BASE_URL / TOKAROO_API_KEY not set (run through tests/e2e/test_sdk_js.py)";
const unique = () => `${Date.now()}-${Math.random().toString(36).slice(2)}`;
const sse = (...events) => events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join("");

async function serve(handler) {
  const seen = [];
  const server = http.createServer(async (req, res) => {
    let body = "";
    for await (const part of req) body += part;
    seen.push({ url: req.url, body: body ? JSON.parse(body) : undefined });
    handler(req, res);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${server.address().port}/v1`;
  return { url, seen, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

const STREAM = sse(
  { type: "message_start", message: { id: "msg_1", type: "message", role: "assistant", model: "auto", content: [], stop_reason: null, usage: { input_tokens: 3, output_tokens: 0 } } },
  { type: "ping" },
  { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
  { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Le" } },
  { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "t" } },
  { type: "content_block_stop", index: 0 },
  { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "toolu_1", name: "f", input: {} } },
  { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"a":' } },
  { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: "1}" } },
  { type: "content_block_stop", index: 1 },
  { type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { input_tokens: 4, output_tokens: 5, cost_usd: "0.000000200" } },
  { type: "message_stop" },
);

test("messages: create, stream assembled into the final message, countTokens", async () => {
  const server = await serve((req, res) => {
    if (req.url.endsWith("/count_tokens")) return res.writeHead(200, { "content-type": "application/json" }).end('{"input_tokens": 7}');
    res.writeHead(200, { "content-type": "text/event-stream" }).end(STREAM);
  });
  try {
    const client = new Tokaroo({ apiKey: "tok_k", baseURL: server.url, maxRetries: 0 });
    const stream = client.messages.stream({ model: "auto", max_tokens: 5, messages: [{ role: "user", content: "hi" }] });
    assert.ok(stream instanceof MessageStream);
    const final = await stream.finalMessage();
    assert.equal(final.text, "Let");
    assert.deepEqual(final.content[1], { type: "tool_use", id: "toolu_1", name: "f", input: { a: 1 } });
    assert.equal(final.stop_reason, "tool_use");
    assert.equal(stream._tokaroo.costExact, "0.000000200");
    assert.equal((await client.messages.countTokens({ model: "auto", messages: [] })).input_tokens, 7);
    assert.equal(server.seen[0].url, "/v1/messages");
    assert.equal(server.seen[0].body.stream, true);
  } finally {
    await server.close();
  }
});

test("messages live: a tool round trip, the cost, Anthropic-shaped errors", { skip }, async () => {
  const client = new Tokaroo({ maxRetries: 2 });
  const tools = [{ name: "get_weather", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } }];
  const messages = [{ role: "user", content: `Weather in Lima? ${unique()}` }];
  const first = await client.messages.create({ model: "auto", max_tokens: 200, tools, messages });
  assert.equal(first.model, "auto");
  assert.equal(first.stop_reason, "tool_use");
  assert.ok(first._tokaroo.cost > 0);
  const call = first.content.find((b) => b.type === "tool_use");
  messages.push({ role: "assistant", content: first.content }, { role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: "Sunny" }] });
  const stream = client.messages.stream({ model: "auto", max_tokens: 200, tools, messages });
  const final = await stream.finalMessage();
  assert.equal(final.stop_reason, "end_turn");
  assert.match(final.text, /tool result/);
  assert.ok(Number(final.usage.cost_usd) > 0);
  const bad = new Tokaroo({ apiKey: "tok_wrong", maxRetries: 0 });
  await assert.rejects(bad.messages.create({ model: "auto", max_tokens: 5, messages }), (err) => {
    assert.ok(err instanceof AuthenticationError);
    assert.equal(err.type, "authentication_error");
    return true;
  });
});
