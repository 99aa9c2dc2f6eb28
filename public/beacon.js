// edgeshop's first-party analytics: what a page was, which product or search it showed, and what
// the shopper clicked or added, sent to this shop only (POST /api/events). No cookie, no
// fingerprint, no address kept: a random id per browser tab (sessionStorage) ties one visit's
// events together and is gone when the tab closes. Checkout sends the same id with the order.
(() => {
  const d = document;
  let session;
  const fresh = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  try {
    session = sessionStorage.getItem("edgeshop-session") || fresh();
    sessionStorage.setItem("edgeshop-session", session);
  } catch {
    session = fresh();
  }
  d.documentElement.dataset.session = session;
  // A checkout form sent before (or without) the page's island carries the id too.
  const form = d.querySelector("form.checkout-form");
  if (form) form.append(Object.assign(d.createElement("input"), { type: "hidden", name: "analytics_session", value: session }));
  const send = (events) => {
    const body = JSON.stringify({ events: events.map((e) => Object.assign({ session }, e)) });
    if (!(navigator.sendBeacon && navigator.sendBeacon("/api/events", body))) {
      fetch("/api/events", { method: "POST", body, keepalive: true }).catch(() => {});
    }
  };
  const path = location.pathname;
  const product = (path.match(/^\/products\/([a-z0-9-]+)\/$/) || [])[1];
  const page = path === "/" ? "home"
    : product ? "product"
    : path.startsWith("/c/") ? "category"
    : path.startsWith("/search") ? "search"
    : path.startsWith("/cart") ? "cart"
    : path.startsWith("/checkout") ? "checkout"
    : path.startsWith("/orders") ? "order"
    : path.startsWith("/pages/") ? "info" : "other";
  const first = [{ kind: "page_view", page }];
  if (product) first.push({ kind: "product_view", product });
  const results = d.querySelector("[data-search-query]");
  if (results && results.dataset.searchQuery) {
    first.push({ kind: "search", query: results.dataset.searchQuery, results: Number(results.dataset.searchTotal) || 0 });
  }
  // After the page has loaded and the browser is idle (the request never competes with what the
  // shopper waits for), or as the page goes away, whichever comes first.
  let sent = false;
  const flush = () => {
    if (!sent) {
      sent = true;
      send(first);
    }
  };
  const idle = () => (window.requestIdleCallback ? requestIdleCallback(flush, { timeout: 2000 }) : setTimeout(flush, 1));
  if (d.readyState === "complete") idle();
  else addEventListener("load", idle);
  addEventListener("pagehide", flush);
  // A click on a product in search results (the query as shown now: results are swapped in
  // while the shopper types).
  d.addEventListener("click", (e) => {
    const link = page === "search" && e.target instanceof Element && e.target.closest("main a[href^='/products/']");
    const shown = link && d.querySelector("[data-search-query]");
    if (shown && shown.dataset.searchQuery) send([{ kind: "search_click", query: shown.dataset.searchQuery }]);
  });
  // The product page's island says when something went into the cart.
  addEventListener("edgeshop:added", () => product && send([{ kind: "add_to_cart", product }]));
})();
