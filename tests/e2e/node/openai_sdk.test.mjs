// The official `openai` Node SDK against Tokaroo, unchanged but for baseURL and apiKey
// (OPENAI_BASE_URL / OPENAI_API_KEY, set by tests/e2e/test_openai_node.py).
import { test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";

const client = new OpenAI({ baseURL: process.env.OPENAI_BASE_URL, apiKey: process.env.OPENAI_API_KEY, maxRetries: 2 });
// TOKAROO_MODEL picks the route: "auto", or a model id served by one provider behind Tokaroo.
const MODEL = process.env.TOKAROO_MODEL || "auto";
const unique = () => `${Date.now()}-${Math.random().toString(36).slice(2)}`;

test("chat completion with the Tokaroo headers", async () => {
  const { data: res, response } = await client.chat.completions
    .create({ model: MODEL, messages: [{ role: "user", content: `Hello from openai-node ${unique()}` }] })
    .withResponse();
  assert.ok(res.choices[0].message.content);
  assert.equal(res.model, MODEL);
  assert.equal(res.choices[0].finish_reason, "stop");
  assert.ok(res.usage.total_tokens > 0);
  assert.equal(response.headers.get("x-tokaroo-cache"), "miss");
  assert.ok(Number(response.headers.get("x-tokaroo-cost")) > 0);
  assert.ok(response.headers.get("x-request-id"));
});

test("stream with include_usage: text chunks, then a usage chunk with cost_usd", async () => {
  const stream = await client.chat.completions.create({
    model: MODEL,
    messages: [{ role: "user", content: `Tell me a story ${unique()}` }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = "";
  let usage = null;
  let n = 0;
  for await (const chunk of stream) {
    n++;
    assert.equal(chunk.object, "chat.completion.chunk");
    if (chunk.choices.length) text += chunk.choices[0].delta.content ?? "";
    if (chunk.usage) usage = chunk.usage;
  }
  assert.ok(n > 2 && text.length > 0);
  assert.ok(usage && usage.completion_tokens > 0 && usage.prompt_tokens > 0);
  assert.ok(Number(usage.cost_usd) > 0);
});

test("streamed tool call assembled by the SDK's stream helper", async () => {
  const tools = [{
    type: "function",
    function: {
      name: "get_weather",
      description: "Current weather of a city",
      parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    },
  }];
  const runner = client.chat.completions.stream({
    model: MODEL,
    messages: [{ role: "user", content: `What's the weather in Lyon? ${unique()}` }],
    tools,
    stream_options: { include_usage: true },
  });
  const final = await runner.finalChatCompletion();
  const choice = final.choices[0];
  assert.equal(choice.finish_reason, "tool_calls");
  const call = choice.message.tool_calls[0];
  assert.equal(call.type, "function");
  assert.equal(call.function.name, "get_weather");
  assert.ok(call.id);
  assert.equal(typeof JSON.parse(call.function.arguments), "object");
  // the round trip: the tool's result goes back, the model answers in text (not streamed)
  const answer = await client.chat.completions.create({
    model: MODEL,
    tools,
    messages: [
      { role: "user", content: `What's the weather in Lyon? ${unique()}` },
      { role: "assistant", content: null, tool_calls: [call] },
      { role: "tool", tool_call_id: call.id, content: '{"temp_c": 21}' },
    ],
  });
  assert.equal(answer.choices[0].finish_reason, "stop");
  assert.ok(answer.choices[0].message.content);
});

test("image input and JSON-schema output", async () => {
  const pixel = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
  const seen = await client.chat.completions.create({
    model: MODEL,
    messages: [{ role: "user", content: [
      { type: "text", text: `What is in this image? ${unique()}` },
      { type: "image_url", image_url: { url: pixel } },
    ] }],
  });
  assert.ok(seen.choices[0].message.content);
  const schema = { type: "object", properties: { name: { type: "string" }, age: { type: "integer" } },
                   required: ["name", "age"], additionalProperties: false };
  const res = await client.chat.completions.create({
    model: MODEL,
    messages: [{ role: "user", content: `A person as JSON ${unique()}` }],
    response_format: { type: "json_schema", json_schema: { name: "person", schema, strict: true } },
  });
  const person = JSON.parse(res.choices[0].message.content);
  assert.equal(typeof person.name, "string");
  assert.ok(Number.isInteger(person.age));
});

test("embeddings: the SDK's default base64 decodes to the same numbers as float", async () => {
  const input = ["The quick brown fox", `jumps over the lazy dog ${unique()}`];
  const viaDefault = await client.embeddings.create({ model: "text-embedding-3-small", input }); // base64 on the wire
  const viaFloat = await client.embeddings.create({ model: "text-embedding-3-small", input, encoding_format: "float" });
  assert.equal(viaDefault.data.length, 2);
  for (let i = 0; i < 2; i++) {
    const a = viaDefault.data[i].embedding;
    const b = viaFloat.data[i].embedding;
    assert.ok(Array.isArray(a) && a.length === b.length && a.length > 0);
    for (let j = 0; j < a.length; j++) assert.ok(Math.abs(a[j] - b[j]) < 1e-6, `dim ${j}: ${a[j]} vs ${b[j]}`);
  }
  assert.ok(viaFloat.usage.prompt_tokens > 0);
  const raw = await client.embeddings.create({ input: "raw", encoding_format: "base64" });
  assert.equal(typeof raw.data[0].embedding, "string");
});

test("models list: the virtual models and priced pool models", async () => {
  const ids = [];
  let priced = 0;
  for await (const model of client.models.list()) {
    ids.push(model.id);
    assert.equal(model.object, "model");
    if (model.pricing) priced++;
  }
  for (const v of ["auto", "fast", "max"]) assert.ok(ids.includes(v), `${v} listed`);
  assert.ok(priced > 0);
});

test("errors arrive as the SDK's typed errors with OpenAI's fields", async () => {
  await assert.rejects(
    client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "x" }] }),
    (e) => e instanceof OpenAI.NotFoundError && e.status === 404 && e.code === "model_not_found" && e.type === "invalid_request_error",
  );
  const bad = new OpenAI({ baseURL: process.env.OPENAI_BASE_URL, apiKey: "tok_wrong", maxRetries: 0 });
  await assert.rejects(bad.models.list(), (e) => e instanceof OpenAI.AuthenticationError && e.code === "invalid_api_key");
});
