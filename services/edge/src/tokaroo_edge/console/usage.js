// Usage history: filters (key, tier, cache outcome, dates) and paging over /v1/usage; and the
// charts of /v1/usage/summary (spend per day, requests by tier, cache hits, savings).
import { api, plural, usd, when } from "./api.js";
import { barChart, lineChart } from "./charts.js";
import { h, table } from "./dom.js";

const TIERS = ["instant", "standard", "complex"];
const CACHE = ["miss", "exact", "semantic"];
const PAGE = 25;

function select(id, label, options, value) {
  return h("label", { for: id }, label, h("select", { id, name: id },
    h("option", { value: "" }, "all"),
    options.map(([v, t]) => h("option", { value: v, selected: v === value }, t))));
}

/** The UTC start of a yyyy-mm-dd date input, and the start of the day after (for `until`). */
export function dayStart(date, plusDays = 0) {
  if (!date) return "";
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + plusDays);
  return d.toISOString();
}

export async function usage(main) {
  const keys = (await api("/keys")).data;
  const names = Object.fromEntries(keys.map((k) => [k.id, k.name]));
  const state = { cursors: [null], filters: {} };
  const results = h("div", { id: "usage-results", "aria-live": "polite" });
  const form = h("form", { class: "inline", id: "usage-filters", onsubmit: (ev) => {
    ev.preventDefault();
    const f = new FormData(form);
    state.filters = { key_id: f.get("key"), tier: f.get("tier"), cache: f.get("cache"),
                      since: dayStart(f.get("since")), until: dayStart(f.get("until"), 1) };
    state.cursors = [null];
    load();
  } },
    select("key", "Key", keys.map((k) => [k.id, k.name])), select("tier", "Tier", TIERS.map((t) => [t, t])),
    select("cache", "Cache", CACHE.map((c) => [c, c === "miss" ? "miss" : `${c} hit`])),
    h("label", { for: "since" }, "From (UTC)", h("input", { id: "since", name: "since", type: "date" })),
    h("label", { for: "until" }, "To (UTC)", h("input", { id: "until", name: "until", type: "date" })),
    h("button", { type: "submit" }, "Apply"));
  main.append(h("h1", {}, "Usage"), h("section", { class: "card" }, form), results);

  async function load() {
    const cursor = state.cursors.at(-1);
    const page = await api("/usage", { query: { ...state.filters, limit: PAGE, cursor } });
    const rows = page.data.map((r) => h("tr", {},
      h("td", {}, when(r.created_at)), h("td", {}, names[r.key_id] || "–"), h("td", {}, r.tier || "–"),
      h("td", {}, r.cache), h("td", { class: "num" }, r.input_tokens), h("td", { class: "num" }, r.output_tokens),
      h("td", { class: "num" }, usd(r.charged_usd)), h("td", { class: "num" }, `${r.latency_ms} ms`),
      h("td", {}, r.error ? h("span", { class: "badge bad" }, r.error) : r.status)));
    const prev = h("button", { type: "button", class: "secondary", disabled: state.cursors.length < 2,
                               onclick: () => { state.cursors.pop(); load(); } }, "Previous page");
    const next = h("button", { type: "button", class: "secondary", disabled: !page.has_more,
                               onclick: () => { state.cursors.push(page.next_cursor); load(); } }, "Next page");
    results.replaceChildren(h("section", { class: "card" },
      rows.length ? table(["Time", "Key", "Tier", "Cache", { label: "In", num: true }, { label: "Out", num: true },
                           { label: "Cost", num: true }, { label: "Latency", num: true }, "Status"], rows, "Usage")
        : h("p", { class: "muted" }, "No requests match."),
      h("div", { class: "row" }, prev, h("span", { class: "muted" }, `Page ${state.cursors.length}`), next)));
  }
  await load();
}

export async function charts(main) {
  const summary = await api("/usage/summary");
  const days = lastDays(30);
  const byDate = Object.fromEntries(summary.data.map((d) => [d.date, d]));
  const pick = (fn) => days.map((d) => (byDate[d] ? fn(byDate[d]) : 0));
  const money = (v) => usd(v);
  main.append(h("h1", {}, "Charts"),
    h("p", { class: "muted", id: "charts-total" },
      `Last 30 days: ${plural(summary.requests, "request")}, ${usd(summary.spend_usd_exact)} spent, ` +
      `${usd(summary.saved_usd_exact)} saved against the market price.`),
    h("div", { class: "charts" },
      barChart({ title: "Spend per day", desc: "USD charged per day, last 30 days.", labels: days,
                 series: [{ name: "Spend", color: "var(--c1)", values: pick((d) => d.spend_usd) }], fmt: money }),
      barChart({ title: "Requests by tier", desc: "Requests per day by tier.", labels: days,
                 series: TIERS.map((t, i) => ({ name: t, color: `var(--c${i + 1})`, values: pick((d) => d.by_tier[t] || 0) })) }),
      barChart({ title: "Cache hits", desc: "Requests per day answered from the cache or not.", labels: days,
                 series: [["exact", "exact hit", 1], ["semantic", "semantic hit", 3], ["miss", "miss", 2]].map(([c, name, i]) =>
                   ({ name, color: `var(--c${i})`, values: pick((d) => d.by_cache[c] || 0) })) }),
      lineChart({ title: "Savings against the market price", desc: "Cumulative spend and what the same requests cost at the market baseline.",
                  labels: days, fmt: money, series: [
                    { name: "Market price", color: "var(--c2)", values: pick((d) => d.baseline_usd) },
                    { name: "You paid", color: "var(--c1)", values: pick((d) => d.spend_usd) }] })));
}

export function lastDays(n, now = new Date()) {
  const out = [];
  for (let i = n - 1; i >= 0; i--) {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - i));
    out.push(d.toISOString().slice(0, 10));
  }
  return out;
}
