// Vercel AI SDK (`ai` with `@ai-sdk/openai`) against Tokaroo: `provider.chat("auto")` speaks
// chat completions, the default `provider("auto")` the Responses API.
// `node ai_sdk.mjs tools|object [responses]` prints one JSON report line.
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, Output, stepCountIs, tool } from "ai";
import { z } from "zod";

import { API_KEY, BASE_URL, LOOP_PROMPT, OBJECT_PROMPT, main, recordingFetch, weatherTool } from "./report.mjs";

const MAX_STEPS = 5;
const CityReport = z.object({ city: z.string(), temperature_c: z.number().int(), conditions: z.string() });

const RESPONSES = process.argv[3] === "responses";

function model(exchanges) {
  const provider = createOpenAI({ baseURL: BASE_URL, apiKey: API_KEY, fetch: recordingFetch(exchanges) });
  return RESPONSES ? provider("auto") : provider.chat("auto");
}

async function tools() {
  const exchanges = [];
  const weather = weatherTool();
  const result = await generateText({
    model: model(exchanges),
    prompt: LOOP_PROMPT,
    tools: {
      get_weather: tool({
        description: "Current weather of a city",
        inputSchema: z.object({ city: z.string() }),
        execute: async ({ city }) => weather.run(city),
      }),
    },
    stopWhen: stepCountIs(MAX_STEPS),
  });
  const last = result.steps.at(-1);
  return {
    text: result.text,
    final_tool_calls: last.toolCalls.length,
    finish_reason: result.finishReason,
    steps: result.steps.length,
    tool_runs: weather.calls.length,
    exchanges,
  };
}

async function object() {
  const exchanges = [];
  const result = await generateText({
    model: model(exchanges),
    prompt: OBJECT_PROMPT,
    output: Output.object({ schema: CityReport, name: "city_report" }),
  });
  return { parsed: result.output, exchanges };
}

await main({ tools, object });
