// Building the DOM without innerHTML: every value from the API is text, never markup.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = value;
    else if (name === "style") Object.assign(el.style, value); // CSSOM: allowed by the CSP
    else el.setAttribute(name, value === true ? "" : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

export function table(headers, rows, caption) {
  return h("div", { class: "table-wrap" },
    h("table", {},
      caption ? h("caption", { class: "sr-only" }, caption) : null,
      h("thead", {}, h("tr", {}, headers.map((t) => h("th", { scope: "col", class: t.num ? "num" : null }, t.label ?? t)))),
      h("tbody", {}, rows)));
}

export function alertBox(message) {
  return h("div", { class: "alert", role: "alert" }, message);
}

export function toast(message) {
  const el = document.getElementById("toast");
  el.textContent = message;
  el.classList.add("show");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => el.classList.remove("show"), 3500);
}

/** Run `fn` with the button disabled; show its error in `where`. */
export async function busy(button, where, fn) {
  button.disabled = true;
  where.replaceChildren();
  try {
    return await fn();
  } catch (err) {
    where.append(alertBox(err.message));
    return undefined;
  } finally {
    button.disabled = false;
  }
}
