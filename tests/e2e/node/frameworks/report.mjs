// Shared by the agent-framework scripts run from tests/e2e/test_agent_frameworks.py: the
// weather tool, a fetch that records every chat-completion (or Responses API) request the
// framework sends (its JSON body, its path and the x-tokaroo-cache header of the answer),
// and the one-line JSON report.

export const BASE_URL = process.env.OPENAI_BASE_URL;
export const API_KEY = process.env.OPENAI_API_KEY;
export const LOOP_PROMPT = "What is the weather in Lyon right now? Use the get_weather tool.";
export const OBJECT_PROMPT = "Give today's weather report for Lyon.";

/** The tool's result for a city; `calls` counts how often the framework ran it. */
export function weatherTool() {
  const calls = [];
  const run = (city) => {
    calls.push(city);
    return { city, temperature_c: 21, conditions: "sunny" };
  };
  return { calls, run };
}

/** A fetch for the SDKs' `fetch` option: `exchanges` gets each chat-completion request. */
export function recordingFetch(exchanges) {
  return async (url, init) => {
    const res = await fetch(url, init);
    const path = ["/chat/completions", "/responses"].find((p) => String(url).endsWith(p));
    if (path) {
      exchanges.push({ body: JSON.parse(init.body), cache: res.headers.get("x-tokaroo-cache") ?? "", path });
    }
    return res;
  };
}

/** The report the Python test reads: the last line of stdout. */
export function report(fields) {
  process.stdout.write(`${JSON.stringify(fields)}\n`);
}

/** The scenario named by argv[2], one of `scenarios`' keys. */
export async function main(scenarios) {
  const name = process.argv[2];
  const scenario = scenarios[name];
  if (!scenario) throw new Error(`usage: node ${process.argv[1]} ${Object.keys(scenarios).join("|")}`);
  report(await scenario());
}
