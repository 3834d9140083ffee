// The official Anthropic TypeScript SDK (`@anthropic-ai/sdk`) against Tokaroo's Messages API,
// unchanged but for baseURL and apiKey (ANTHROPIC_BASE_URL / ANTHROPIC_API_KEY, set by
// tests/e2e/test_anthropic_node.py): create and stream, a tool round trip, count_tokens, the
// warm cache, and Anthropic-shaped errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";

const client = new Anthropic({ baseURL: process.env.ANTHROPIC_BASE_URL, apiKey: process.env.ANTHROPIC_API_KEY, maxRetries: 0 });
const MODEL = process.env.TOKAROO_MODEL || "auto";
const unique = () => `${Date.now()}-${Math.random().toString(36).slice(2)}`;
const tools = [{
  name: "get_weather",
  description: "The current weather of a city.",
  input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
}];

// Turn 1 asks (a tool_use comes back), turn 2 gives the tool_result (text comes back).
async function roundTrip(question, stream) {
  const history = [{ role: "user", content: question }];
  const out = [];
  for (let turn = 0; turn < 2; turn++) {
    const params = { model: MODEL, max_tokens: 200, tools, messages: history };
    let message, response;
    if (stream) {
      const s = client.messages.stream(params);
      const kinds = [];
      s.on("streamEvent", (e) => kinds.push(e.type));
      message = await s.finalMessage();
      response = (await s.withResponse()).response;
      assert.equal(kinds[0], "message_start");
      assert.equal(kinds.at(-1), "message_stop");
    } else {
      ({ data: message, response } = await client.messages.create(params).withResponse());
    }
    assert.equal(message.model, MODEL);
    assert.ok(message.id.startsWith("msg_"));
    out.push({ message, cache: response.headers.get("x-tokaroo-cache"), cost: response.headers.get("x-tokaroo-cost") });
    history.push({ role: "assistant", content: message.content });
    const calls = message.content.filter((b) => b.type === "tool_use");
    if (!calls.length) break;
    history.push({ role: "user", content: calls.map((c) => ({ type: "tool_result", tool_use_id: c.id, content: "Sunny, 21 C" })) });
  }
  return out;
}

function checkRoundTrip(turns) {
  assert.equal(turns.length, 2);
  const [first, final] = turns.map((t) => t.message);
  const calls = first.content.filter((b) => b.type === "tool_use");
  assert.equal(first.stop_reason, "tool_use");
  assert.equal(calls.length, 1);
  assert.equal(calls[0].name, "get_weather");
  assert.equal(typeof calls[0].input.city, "string");
  assert.equal(final.stop_reason, "end_turn");
  assert.match(final.content[0].text, /tool result/);
}

const blocks = (turns) => JSON.stringify(turns.map((t) => t.message.content.map((b) => [b.type, b.text, b.id, b.input])));

test("create: text with the Tokaroo headers", async () => {
  const { data, response } = await client.messages
    .create({ model: MODEL, max_tokens: 100, system: [{ type: "text", text: "Be brief." }], messages: [{ role: "user", content: `Hello ${unique()}` }] })
    .withResponse();
  assert.equal(data.type, "message");
  assert.equal(data.content[0].type, "text");
  assert.ok(data.usage.input_tokens > 0 && data.usage.output_tokens > 0);
  assert.equal(response.headers.get("x-tokaroo-cache"), "miss");
  assert.ok(Number(response.headers.get("x-tokaroo-cost")) > 0);
});

test("tool round trip, create then stream, repeated on a warm cache", async () => {
  const question = `What is the weather in Lima? ${unique()}`;
  const created = await roundTrip(question, false);
  checkRoundTrip(created);
  assert.deepEqual(created.map((t) => t.cache), ["miss", "miss"]);
  let again;
  for (let i = 0; i < 50; i++) {  // the store happens in the background, after the answer
    again = await roundTrip(question, false);
    if (again.every((t) => t.cache === "hit")) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.deepEqual(again.map((t) => t.cache), ["hit", "hit"]);
  assert.equal(blocks(again), blocks(created));
  const streamed = await roundTrip(question, true);
  checkRoundTrip(streamed);
  assert.equal(blocks(streamed), blocks(created));
  checkRoundTrip(await roundTrip(`Weather in Quito? ${unique()}`, true));
});

test("stream: text deltas and the cost in the final message_delta", async () => {
  const stream = await client.messages.create({ model: MODEL, max_tokens: 100, stream: true, messages: [{ role: "user", content: `Tell me a story ${unique()}` }] });
  let text = "";
  let delta = null;
  for await (const event of stream) {
    if (event.type === "content_block_delta" && event.delta.type === "text_delta") text += event.delta.text;
    if (event.type === "message_delta") delta = event;
  }
  assert.ok(text.length > 0);
  assert.equal(delta.delta.stop_reason, "end_turn");
  assert.ok(delta.usage.output_tokens > 0 && Number(delta.usage.cost_usd) > 0);
});

test("count_tokens", async () => {
  const small = await client.messages.countTokens({ model: MODEL, messages: [{ role: "user", content: "Hi" }] });
  const big = await client.messages.countTokens({ model: MODEL, tools, messages: [{ role: "user", content: "Hi" }] });
  assert.ok(small.input_tokens > 0 && big.input_tokens > small.input_tokens);
});

test("errors are Anthropic-shaped", async () => {
  const bad = new Anthropic({ baseURL: process.env.ANTHROPIC_BASE_URL, apiKey: "tok_wrong", maxRetries: 0 });
  await assert.rejects(bad.messages.create({ model: MODEL, max_tokens: 5, messages: [{ role: "user", content: "x" }] }), (err) => {
    assert.ok(err instanceof Anthropic.AuthenticationError);
    assert.equal(err.error.type, "error");
    assert.equal(err.error.error.type, "authentication_error");
    return true;
  });
  await assert.rejects(client.messages.create({ model: MODEL, max_tokens: 5, tools: [{ type: "web_search_20250305", name: "web_search" }], messages: [{ role: "user", content: "x" }] }), (err) => {
    assert.ok(err instanceof Anthropic.BadRequestError);
    assert.equal(err.error.error.type, "invalid_request_error");
    return true;
  });
});
