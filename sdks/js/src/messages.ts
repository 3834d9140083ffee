/**
 * Anthropic's Messages API: `client.messages.create / stream / countTokens`.
 *
 *   const msg = await client.messages.create({ model: "auto", max_tokens: 512, messages: [{ role: "user", content: "Hello!" }] });
 *   msg.text; msg._tokaroo.cost;
 *   const stream = client.messages.stream({ model: "auto", max_tokens: 512, messages: [...] });
 *   for await (const e of stream) if (e.type === "content_block_delta" && e.delta.type === "text_delta") process.stdout.write(e.delta.text);
 *   stream.message?.usage.cost_usd; // the final message, usage and cost included
 */

import { APIError, APIConnectionError, APIUserAbortError } from "./errors.js";
import { metaFromHeaders } from "./meta.js";
import { sseData } from "./streaming.js";
import type { RequestOptions, TokarooMeta, WithMeta } from "./types.js";

/** What `client.call` and `client.request` offer this module (the Tokaroo client). */
interface Transport {
  call<T>(method: "GET" | "POST" | "DELETE", path: string, opts?: object): Promise<WithMeta<T>>;
  request(method: "GET" | "POST" | "DELETE", path: string, opts?: object): Promise<Response>;
}

export interface MessageCreateParams {
  model: string;
  max_tokens: number;
  messages: Array<Record<string, unknown>>;
  system?: string | Array<Record<string, unknown>>;
  tools?: Array<Record<string, unknown>>;
  tool_choice?: Record<string, unknown>;
  stop_sequences?: string[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  thinking?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  stream?: boolean;
  [key: string]: unknown;
}

export type MessageCountTokensParams = Omit<MessageCreateParams, "max_tokens">;

export interface ContentBlock {
  type: "text" | "tool_use" | (string & {});
  text?: string;
  id?: string;
  name?: string;
  input?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface MessageUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
  /** USD charged, exact decimal string (a Tokaroo extension). */
  cost_usd?: string;
  [key: string]: unknown;
}

export interface Message {
  id: string;
  type: "message";
  role: "assistant";
  /** Echoes what you asked (auto, fast, max or a model id): the answering model stays hidden. */
  model: string;
  content: ContentBlock[];
  stop_reason: string | null;
  stop_sequence: string | null;
  usage: MessageUsage;
  /** Added by this SDK: the text blocks, joined. */
  text: string;
  [key: string]: unknown;
}

export interface MessageStreamEvent {
  type: string;
  index?: number;
  [key: string]: any;
}

function withText<T extends { content?: ContentBlock[] }>(msg: T): T & { text: string } {
  const text = (msg.content ?? []).filter((b) => b.type === "text").map((b) => b.text ?? "").join("");
  return Object.assign(msg, { text });
}

/** A streamed message: iterate it once with `for await`; `message` is the final one. */
export class MessageStream implements AsyncIterable<MessageStreamEvent> {
  _tokaroo: TokarooMeta | null = null;
  message: Message | null = null;
  private started = false;
  private doc: Record<string, any> = { content: [] };
  private json = new Map<number, string>();

  /** @internal */
  constructor(
    private readonly start: () => Promise<Response>,
    private readonly controller: AbortController,
  ) {}

  abort(): void {
    this.controller.abort();
  }

  private note(event: MessageStreamEvent): void {
    const blocks: ContentBlock[] = this.doc.content;
    if (event.type === "message_start") this.doc = { ...event.message, content: [] };
    else if (event.type === "content_block_start") blocks.push({ ...event.content_block });
    else if (event.type === "content_block_delta" && event.index !== undefined) {
      const block = blocks[event.index];
      if (event.delta?.type === "text_delta") block.text = (block.text ?? "") + event.delta.text;
      if (event.delta?.type === "input_json_delta") this.json.set(event.index, (this.json.get(event.index) ?? "") + event.delta.partial_json);
    } else if (event.type === "content_block_stop" && event.index !== undefined && this.json.has(event.index)) {
      blocks[event.index].input = JSON.parse(this.json.get(event.index) || "{}");
      this.json.delete(event.index);
    } else if (event.type === "message_delta") {
      Object.assign(this.doc, event.delta);
      this.doc.usage = { ...this.doc.usage, ...event.usage };
    } else if (event.type === "message_stop") {
      this.message = withText(this.doc as Message);
      const exact = this.message.usage?.cost_usd ?? null;
      if (exact !== null && this._tokaroo) {
        this._tokaroo.costExact = String(exact);
        this._tokaroo.cost = Number(exact);
      }
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<MessageStreamEvent> {
    if (this.started) throw new Error("A MessageStream can be iterated only once.");
    this.started = true;
    const res = await this.start();
    this._tokaroo = metaFromHeaders(res);
    if (!res.body) return;
    let finished = false;
    try {
      for await (const data of sseData(res.body)) {
        let event: MessageStreamEvent;
        try {
          event = JSON.parse(data) as MessageStreamEvent;
        } catch {
          throw new APIConnectionError(`Could not parse a stream event: ${data.slice(0, 200)}`);
        }
        if (event.type === "error") throw APIError.from(res.status, event.error, res.headers);
        this.note(event);
        yield event;
      }
      finished = true;
    } catch (err) {
      if (this.controller.signal.aborted) throw new APIUserAbortError();
      if (err instanceof APIError || err instanceof APIConnectionError) throw err;
      throw new APIConnectionError("The response stream broke.", { cause: err });
    } finally {
      if (!finished) this.controller.abort();
    }
  }

  /** Reads the rest of the stream; the final message. */
  async finalMessage(): Promise<Message> {
    for await (const _event of this) {
      // read to the end
    }
    if (!this.message) throw new APIConnectionError("The stream ended without a final message.");
    return this.message;
  }
}

export class Messages {
  constructor(private readonly client: Transport) {}

  /** A message (Anthropic Messages parameters: messages, system, tools, tool_choice, stop_sequences, thinking...). */
  async create(params: MessageCreateParams, options: RequestOptions = {}): Promise<WithMeta<Message>> {
    return withText(await this.client.call<Message>("POST", "/messages", { ...options, body: { ...params, stream: false } }));
  }

  /** A streamed message, iterated with `for await (const event of client.messages.stream({...}))`. */
  stream(params: MessageCreateParams, options: RequestOptions = {}): MessageStream {
    const controller = new AbortController();
    const body = { ...params, stream: true };
    return new MessageStream(
      () => this.client.request("POST", "/messages", { ...options, body, stream: true, controller }),
      controller,
    );
  }

  /** The prompt's input tokens, as the Messages API counts them (nothing is billed). */
  async countTokens(params: MessageCountTokensParams, options: RequestOptions = {}): Promise<WithMeta<{ input_tokens: number }>> {
    return this.client.call<{ input_tokens: number }>("POST", "/messages/count_tokens", { ...options, body: params });
  }
}
