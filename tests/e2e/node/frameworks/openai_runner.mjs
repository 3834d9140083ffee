// The official `openai` Node SDK's helpers against Tokaroo: the `runTools` tool runner and
// `parse` with a zod response format. `node openai_runner.mjs tools|object` prints one JSON
// report line.
import OpenAI from "openai";
import { zodFunction, zodResponseFormat } from "openai/helpers/zod";
import { z } from "zod";

import { API_KEY, BASE_URL, LOOP_PROMPT, OBJECT_PROMPT, main, recordingFetch, weatherTool } from "./report.mjs";

const MAX_COMPLETIONS = 5;
const CityReport = z.object({ city: z.string(), temperature_c: z.number().int(), conditions: z.string() });

function client(exchanges) {
  return new OpenAI({ baseURL: BASE_URL, apiKey: API_KEY, fetch: recordingFetch(exchanges) });
}

async function tools() {
  const exchanges = [];
  const weather = weatherTool();
  const runner = client(exchanges).chat.completions.runTools({
    model: "auto",
    messages: [{ role: "user", content: LOOP_PROMPT }],
    tools: [zodFunction({
      name: "get_weather",
      description: "Current weather of a city",
      parameters: z.object({ city: z.string() }),
      function: async ({ city }) => weather.run(city),
    })],
  }, { maxChatCompletions: MAX_COMPLETIONS });
  const final = await runner.finalChatCompletion();
  const choice = final.choices[0];
  return {
    text: choice.message.content,
    final_tool_calls: choice.message.tool_calls?.length ?? 0,
    finish_reason: choice.finish_reason,
    steps: runner.allChatCompletions().length,
    tool_runs: weather.calls.length,
    exchanges,
  };
}

async function object() {
  const exchanges = [];
  const res = await client(exchanges).chat.completions.parse({
    model: "auto",
    messages: [{ role: "user", content: OBJECT_PROMPT }],
    response_format: zodResponseFormat(CityReport, "city_report"),
  });
  return { parsed: res.choices[0].message.parsed, exchanges };
}

await main({ tools, object });
