// Charts drawn as inline SVG, no library: stacked bars per day and cumulative lines. Each
// chart is an image with a title and a description, and its numbers in a table for screen
// readers. Pure functions of the data, plus DOM creation.
import { h, table } from "./dom.js";

const NS = "http://www.w3.org/2000/svg";
const W = 640, H = 220, PAD = { l: 78, r: 12, t: 12, b: 28 };
let uid = 0;

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten. Pure. */
export function niceMax(value) {
  if (!(value > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 5, 10]) if (m * p >= value) return m * p;
  return 10 * p;
}

function frame(id, title, desc, max, fmt, labels) {
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": `${id}-t ${id}-d` },
    s("title", { id: `${id}-t` }, title), s("desc", { id: `${id}-d` }, desc));
  const y0 = H - PAD.b;
  for (const f of [0, 0.5, 1]) {
    const y = y0 - f * (y0 - PAD.t);
    svg.append(s("line", { x1: PAD.l, x2: W - PAD.r, y1: y, y2: y, stroke: "#dcdcd6" }));
    svg.append(s("text", { x: PAD.l - 6, y: y + 4, "text-anchor": "end", "font-size": 11, fill: "#5f5f5a" }, fmt(max * f)));
  }
  if (labels.length) {
    svg.append(s("text", { x: PAD.l, y: H - 8, "font-size": 11, fill: "#5f5f5a" }, labels[0]));
    if (labels.length > 1) {
      svg.append(s("text", { x: W - PAD.r, y: H - 8, "text-anchor": "end", "font-size": 11, fill: "#5f5f5a" }, labels.at(-1)));
    }
  }
  return svg;
}

function legend(series) {
  return h("div", { class: "legend" }, series.map((x) =>
    h("span", {}, h("span", { class: "swatch", style: { background: x.color } }), x.name)));
}

/** Bars per label, the series stacked. `series`: [{ name, color, values }]. */
export function barChart({ title, desc, labels, series, fmt = String }) {
  const id = `chart${++uid}`;
  const totals = labels.map((_, i) => series.reduce((a, x) => a + (x.values[i] || 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const svg = frame(id, title, desc, max, fmt, labels);
  const plotW = W - PAD.l - PAD.r, y0 = H - PAD.b, plotH = y0 - PAD.t;
  const step = plotW / Math.max(labels.length, 1);
  const bw = Math.max(2, Math.min(40, step * 0.7));
  labels.forEach((label, i) => {
    let y = y0;
    for (const x of series) {
      const v = x.values[i] || 0;
      if (v <= 0) continue;
      const bh = (v / max) * plotH;
      y -= bh;
      svg.append(s("rect", { x: PAD.l + i * step + (step - bw) / 2, y, width: bw, height: bh, fill: x.color },
        s("title", {}, `${label} ${x.name}: ${fmt(v)}`)));
    }
  });
  const rows = labels.map((label, i) => h("tr", {}, h("td", {}, label),
    series.map((x) => h("td", { class: "num" }, fmt(x.values[i] || 0)))));
  return h("figure", { class: "card chart" }, h("h2", {}, title), svg,
    series.length > 1 ? legend(series) : null,
    h("div", { class: "sr-only" }, table(["Day", ...series.map((x) => x.name)], rows, title)));
}

/** Cumulative lines per label. `series`: [{ name, color, values }] (values per label). */
export function lineChart({ title, desc, labels, series, fmt = String }) {
  const id = `chart${++uid}`;
  const cum = series.map((x) => {
    let acc = 0;
    return { ...x, values: labels.map((_, i) => (acc += x.values[i] || 0)) };
  });
  const max = niceMax(Math.max(0, ...cum.flatMap((x) => x.values)));
  const svg = frame(id, title, desc, max, fmt, labels);
  const plotW = W - PAD.l - PAD.r, y0 = H - PAD.b, plotH = y0 - PAD.t;
  const step = labels.length > 1 ? plotW / (labels.length - 1) : 0;
  for (const x of cum) {
    const pts = x.values.map((v, i) => `${PAD.l + i * step},${y0 - (v / max) * plotH}`);
    if (pts.length === 1) pts.push(`${W - PAD.r},${pts[0].split(",")[1]}`);
    svg.append(s("polyline", { points: pts.join(" "), fill: "none", stroke: x.color, "stroke-width": 2.5 },
      s("title", {}, `${x.name}: ${fmt(x.values.at(-1) || 0)} in total`)));
  }
  const rows = labels.map((label, i) => h("tr", {}, h("td", {}, label),
    cum.map((x) => h("td", { class: "num" }, fmt(x.values[i])))));
  return h("figure", { class: "card chart" }, h("h2", {}, title), svg, legend(series),
    h("div", { class: "sr-only" }, table(["Day", ...series.map((x) => `${x.name} (cumulative)`)], rows, title)));
}
