/** Server-sent events of a streamed chat completion, as an async iterator of chunks. */

import { APIError, APIUserAbortError, APIConnectionError, type ErrorBody } from "./errors.js";
import type { ChatCompletionChunk, ChatCompletionUsage, TokarooMeta } from "./types.js";
import { metaFromHeaders } from "./meta.js";

/** Yields the `data` payload of every SSE event of `body`. */
export async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let buffer = "";
  let data: string[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const sep = buffer[nl] === "\r" && buffer[nl + 1] === "\n" ? 2 : 1;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + sep);
        if (line === "") {
          if (data.length) yield data.join("\n");
          data = [];
        } else if (line.startsWith("data:")) {
          data.push(line.slice(line[5] === " " ? 6 : 5));
        } // comments (":..."), event:, id: and retry: lines carry nothing a client needs here
      }
      if (done) break;
    }
    if (buffer.startsWith("data:")) data.push(buffer.slice(buffer[5] === " " ? 6 : 5));
    if (data.length) yield data.join("\n");
  } finally {
    reader.releaseLock();
  }
}

/**
 * A streamed chat completion. Iterate it with `for await`; it can be iterated once.
 *
 * While and after iterating, `stream._tokaroo` holds the response metadata (`cache`,
 * `requestId`, and — once the final usage chunk arrived — `cost` / `costExact`), and
 * `stream.usage` the final usage (with `cost_usd`).
 */
export class ChatCompletionStream implements AsyncIterable<ChatCompletionChunk> {
  /** Response metadata; null until the response headers arrived. */
  _tokaroo: TokarooMeta | null = null;
  /** The usage of the final chunk (null until it arrived, or when usage was not asked for). */
  usage: ChatCompletionUsage | null = null;
  private started = false;
  private response: Promise<Response> | null;
  private readonly controller: AbortController;

  /** @internal */
  constructor(start: () => Promise<Response>, controller: AbortController, eager = false) {
    this.controller = controller;
    this.start = start;
    this.response = eager ? start() : null;
    // An eager request that fails is reported by whoever awaits it; keep Node quiet meanwhile.
    this.response?.catch(() => undefined);
  }

  private readonly start: () => Promise<Response>;

  /** @internal Waits for the response headers (used by `create({ stream: true })`). */
  async _ready(): Promise<this> {
    this.response ??= this.start();
    const res = await this.response;
    this._tokaroo = metaFromHeaders(res);
    return this;
  }

  /** Stops the stream (the connection is closed). */
  abort(): void {
    this.controller.abort();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ChatCompletionChunk> {
    if (this.started) throw new Error("A ChatCompletionStream can be iterated only once.");
    this.started = true;
    this.response ??= this.start();
    const res = await this.response;
    this._tokaroo ??= metaFromHeaders(res);
    if (!res.body) return;
    let finished = false;
    try {
      for await (const data of sseData(res.body)) {
        if (data === "[DONE]") {
          finished = true;
          break;
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(data);
        } catch {
          throw new APIConnectionError(`Could not parse a stream event: ${data.slice(0, 200)}`);
        }
        const obj = parsed as ChatCompletionChunk & { error?: ErrorBody };
        if (obj && typeof obj === "object" && obj.error) {
          throw APIError.from(res.status, obj.error, res.headers);
        }
        if (obj.usage) {
          this.usage = obj.usage;
          const exact = obj.usage.cost_usd ?? null;
          if (exact !== null && this._tokaroo) {
            this._tokaroo.costExact = String(exact);
            this._tokaroo.cost = Number(exact);
          }
        }
        yield obj;
      }
      finished = true;
    } catch (err) {
      if (this.controller.signal.aborted) throw new APIUserAbortError();
      if (err instanceof APIError || err instanceof APIConnectionError) throw err;
      throw new APIConnectionError("The response stream broke.", { cause: err });
    } finally {
      // Leaving the loop early (break/return/throw) closes the connection.
      if (!finished) this.controller.abort();
    }
  }

  /** Reads the whole stream and returns the text of choice 0. */
  async finalText(): Promise<string> {
    let text = "";
    for await (const chunk of this) text += chunk.choices[0]?.delta?.content ?? "";
    return text;
  }
}
