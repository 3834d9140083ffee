// The console's shell: sign-in, the views by URL fragment (#overview, #keys, #usage, #charts)
// and Stripe's return pages (/console/billing/success, /console/billing/cancel).
import { api, ApiError, session } from "./api.js";
import { alertBox, h } from "./dom.js";
import { keys } from "./keys.js";
import { checkoutCancel, checkoutSuccess, overview } from "./overview.js";
import { charts, usage } from "./usage.js";

const VIEWS = { overview, keys, usage, charts };
const main = document.getElementById("main");
const nav = document.getElementById("nav");

function signIn(message) {
  const input = h("input", { id: "api-key", type: "password", autocomplete: "off", spellcheck: "false",
                             required: true, placeholder: "tok_…" });
  const errors = h("div", {}, message ? alertBox(message) : null);
  const button = h("button", { type: "submit" }, "Sign in");
  const form = h("form", { class: "inline", id: "signin", onsubmit: async (ev) => {
    ev.preventDefault();
    button.disabled = true;
    try {
      await api("/balance", { key: input.value.trim() });
      session.key = input.value.trim();
      if (!location.hash || location.hash === "#signin") location.hash = "#overview";
      else render();
    } catch (err) {
      errors.replaceChildren(alertBox(err.status === 401 ? "That API key was not accepted." : err.message));
    } finally {
      button.disabled = false;
    }
  } }, h("label", { for: "api-key" }, "API key", input), button);
  nav.hidden = true;
  main.replaceChildren(h("h1", {}, "Sign in"),
    h("section", { class: "card" }, errors,
      h("p", {}, "Sign in with one of your API keys. It is kept only in this browser tab and forgotten when you close it or sign out."),
      form));
  input.focus();
}

async function render() {
  if (!session.key) return signIn();
  const path = location.pathname.replace(/\/+$/, "");
  let view = VIEWS[location.hash.slice(1)] || overview;
  if (path.endsWith("/billing/success")) view = checkoutSuccess;
  else if (path.endsWith("/billing/cancel")) view = checkoutCancel;
  nav.hidden = false;
  for (const link of nav.querySelectorAll("a")) {
    if (VIEWS[link.dataset.view] === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  main.replaceChildren();
  main.setAttribute("aria-busy", "true");
  try {
    await view(main, render);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      session.key = null;
      return signIn("Your API key is no longer accepted (revoked or expired). Sign in with another one.");
    }
    main.append(alertBox(err.message));
  } finally {
    main.removeAttribute("aria-busy");
  }
  main.focus({ preventScroll: true });
}

document.getElementById("signout").addEventListener("click", () => {
  session.key = null;
  history.replaceState(null, "", "/console");
  signIn();
});
addEventListener("hashchange", () => {
  if (location.pathname.includes("/billing/")) history.replaceState(null, "", `/console${location.hash}`);
  render();
});
render();
