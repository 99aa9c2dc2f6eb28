// Lazy islands. Every shop page works as plain HTML: its forms post to the worker, links are
// links. The wasm bundle that enhances it (search suggestions, add to cart without leaving the
// page, live results) is fetched only when the shopper starts to use the page (a pointer over
// it, a touch, a key, focus), or at once where an island asks for it (`data-wake="now"`, e.g. an
// order's live status; `data-wake="query"` when the address has a query, e.g. a category's
// filters in a shared link). A page is light until then: its HTML, CSS and images.
//
// What the shopper did before the islands woke (an option picked, a quantity typed, words in the
// search box) is played back to them afterwards as input and change events, so hydration, which
// draws each island's initial state, does not undo it.
//
// The traversal that hydrates each island (and the children passed to it) follows Leptos' own
// island script (leptos 0.8 `hydration/island_script.js`, MIT).
(() => {
  const d = document;
  const me = d.currentScript;
  const bundle = me && me.dataset.bundle;

  // The header's cart count: the worker sets `edgeshop_has_cart` beside its (HttpOnly) cart
  // cookie, so a shopper without a cart costs no request. The islands announce later changes.
  const count = d.querySelector("[data-testid=cart-count]");
  const show = (n) => {
    if (!count) return;
    count.textContent = n > 0 ? String(n) : "";
    count.classList.toggle("filled", n > 0);
  };
  addEventListener("edgeshop:cart", (e) => show(Number(e.detail) || 0));
  if (/(?:^|;\s*)edgeshop_has_cart=1(?:;|$)/.test(d.cookie)) {
    fetch("/api/cart", { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : null))
      .then((cart) => cart && show(cart.item_count))
      .catch(() => {});
  }

  if (!bundle || !d.querySelector("leptos-island")) return;

  const controls = () => Array.from(d.querySelectorAll("leptos-island input, leptos-island select, leptos-island textarea"));
  const edited = (el) =>
    el.type === "radio" || el.type === "checkbox" ? el.checked !== el.defaultChecked
      : el.tagName === "SELECT" ? Array.from(el.options).some((o) => o.selected !== o.defaultSelected)
      : el.type !== "hidden" && el.value !== el.defaultValue;

  const childCallbacks = [];
  async function traverse(node, mod) {
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    const tag = node.tagName.toLowerCase();
    if (tag === "leptos-island") {
      const island = mod[node.dataset.component];
      if (island) {
        const children = childCallbacks[childCallbacks.length - 1];
        if (children) children();
        await island(node);
      } else {
        console.warn(`no island ${node.dataset.component} in ${bundle}`);
      }
      for (const child of node.children) await traverse(child, mod);
    } else if (tag === "leptos-children") {
      childCallbacks.push(node.$$on_hydrate);
      for (const child of node.children) await traverse(child, mod);
      childCallbacks.pop();
    } else {
      for (const child of node.children) await traverse(child, mod);
    }
  }

  const triggers = ["pointerover", "pointerdown", "touchstart", "focusin", "keydown"];
  let woken = false;
  const wake = () => {
    if (woken) return;
    woken = true;
    for (const t of triggers) removeEventListener(t, wake, true);
    import(`${bundle}.js`)
      .then(async (mod) => {
        await mod.default({ module_or_path: `${bundle}_bg.wasm` });
        const edits = controls().filter(edited).map((el) => [el, el.value, el.checked]);
        mod.hydrate();
        await traverse(d.body, mod);
        // The islands' first effects run after hydration; play the edits back after them.
        setTimeout(() => {
          for (const [el, value, checked] of edits) {
            if (el.type === "radio" || el.type === "checkbox") {
              if (!checked && el.type === "radio") continue;
              el.checked = checked;
            } else {
              el.value = value;
            }
            el.dispatchEvent(new Event("input", { bubbles: true }));
            el.dispatchEvent(new Event("change", { bubbles: true }));
          }
          d.documentElement.dataset.islands = "awake";
        }, 0);
      })
      .catch((e) => console.error("the page's islands could not start", e));
  };
  // An island already in use (focused while this deferred script was still on its way) or one
  // that asks to start at once wakes them now.
  const focused = d.activeElement && d.activeElement.closest && d.activeElement.closest("leptos-island");
  // An island that draws what the address asks for (a category's filters and sort in a shared
  // link) wakes at once when the address has a query.
  const asked = location.search.length > 1 && d.querySelector("[data-wake=query]");
  if (focused || asked || d.querySelector("[data-wake=now]")) {
    wake();
  } else {
    for (const t of triggers) addEventListener(t, wake, { capture: true, passive: true });
  }
})();
