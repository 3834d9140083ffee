// The API reference's JavaScript snippets, type-checked against the built declarations
// (`npm run build` runs `tsc -p tsconfig.check.json`; test/reference.test.mjs runs them).
// Only the key and base URL differ from the reference: they come from the environment.
import { Tokaroo } from "tokaroo";

const key = process.env.TOKAROO_API_KEY ?? "tok_...";

export async function quickstart(): Promise<void> {
  const client = new Tokaroo({ apiKey: key });
  const res = await client.chat.completions.create({
    model: "auto", // Tokaroo picks the route
    messages: [{ role: "user", content: "Hello!" }],
  });
  console.log(res.choices[0].message.content);
  const cost: number | null = res._tokaroo.cost;
  const cache: string | null = res._tokaroo.cache;
  void cost, cache;
}

export async function chat(client: Tokaroo): Promise<void> {
  // Non-streaming
  const res = await client.chat.completions.create({
    model: "auto", // or any specific model
    messages: [{ role: "user", content: "Summarize this text: ..." }],
    max_tokens: 500,
    temperature: 0.7,
  });
  void res;
  // Streaming
  for await (const chunk of client.chat.completions.stream({
    model: "auto",
    messages: [{ role: "user", content: "Tell me a story" }],
  })) {
    process.stdout.write(chunk.choices[0]?.delta?.content ?? "");
  }
}

export async function embeddings(client: Tokaroo): Promise<number[]> {
  const res = await client.embeddings.create({
    input: "The quick brown fox",
    // model: "text-embedding-3-small" // optional
  });
  const vector = res.data[0].embedding; // number[]
  return vector;
}

export async function models(client: Tokaroo): Promise<unknown> {
  const { data } = await client._fetch("GET", "/v1/models");
  // [{ id: "gpt-4o", owned_by: "openai", pricing: { input_per_1m: 2.5, output_per_1m: 10 } }, ...]
  return data;
}

export async function balance(client: Tokaroo): Promise<number> {
  const { balance_usd } = await client.balance.get();
  return balance_usd;
}

export async function checkout(): Promise<void> {
  const res = await fetch("https://api.tokaroo.com/v1/billing/checkout", {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: JSON.stringify({ amount_usd: 10 }),
  });
  const { url } = await res.json();
  window.location.href = url; // Stripe-hosted checkout
}

export async function usage(client: Tokaroo): Promise<void> {
  const { data } = await client.usage.list({ limit: 50 });
  const row = data[0];
  const fields: [string, string, number, number, number, number, string] = [
    row.id, row.tier, row.input_tokens, row.output_tokens, row.charged_usd, row.latency_ms, row.created_at,
  ];
  void fields;
}

export async function keys(client: Tokaroo): Promise<void> {
  const { key } = await client.keys.create("production");
  // key is shown only once - save it
  const { data } = await client.keys.list();
  await client.keys.revoke(data[0].id);
  void key;
}
