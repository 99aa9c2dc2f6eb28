//! Test harness: runs the built shop under `wrangler dev` (workerd, local D1/Queues/Durable
//! Objects) on a free loopback port and talks to it over real HTTP.
//!
//! Build first (`cargo xtask test` does): the worker and `dist/` must exist.

use std::io::Read;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The bundled sample shop's catalog (the one `cargo xtask test` built and serves).
pub fn sample_catalog() -> edgeshop_domain::Catalog {
    edgeshop_catalog::load(&root().join("catalog")).expect("the sample catalog is valid").catalog
}

/// Published, stock-tracked variants with at least `min` units (each test takes its own).
pub fn stocked_variants(c: &edgeshop_domain::Catalog, min: u32) -> Vec<edgeshop_domain::Variant> {
    c.products
        .iter()
        .filter(|p| p.published)
        .flat_map(|p| p.variants.iter())
        .filter(|v| v.stock >= min && v.stock_policy == edgeshop_domain::StockPolicy::Deny)
        .cloned()
        .collect()
}

/// A client address for test `n` of a test file (`net`): rate limits count per address, so
/// files and tests do not share budgets.
pub fn client_ip(net: u8, n: u32) -> String {
    format!("10.{net}.{}.{}", n / 250, n % 250 + 1)
}

/// Builds `catalog` with the site builder `cargo xtask test` compiled (its `tool-dev` profile) into `work/dist` (pages,
/// index and catalog data; `responsive_images` or the original image files) and returns it.
pub fn build_site(catalog: &std::path::Path, work: &std::path::Path, responsive_images: bool) -> PathBuf {
    build_site_with(catalog, work, responsive_images, &[])
}

/// As [`build_site`], with more arguments of the site builder (such as `--static-files N`).
pub fn build_site_with(catalog: &std::path::Path, work: &std::path::Path, responsive_images: bool, args: &[&str]) -> PathBuf {
    let site = root().join("target/tool-dev/edgeshop-site");
    assert!(site.exists(), "{} is missing: run `cargo xtask test`", site.display());
    let dist = work.join("dist");
    let out = Command::new(site)
        .arg("--catalog")
        .arg(catalog)
        .arg("--out")
        .arg(&dist)
        .arg("--bundle")
        .arg(work.join("bundle"))
        .arg("--public")
        .arg(root().join("public"))
        .arg("--image-cache")
        .arg(work.join("image-cache"))
        .args(["--images", if responsive_images { "responsive" } else { "original" }])
        .args(args)
        .output()
        .expect("run edgeshop-site");
    assert!(out.status.success(), "the build failed:\n{}", String::from_utf8_lossy(&out.stderr));
    dist
}

pub fn root() -> PathBuf {
    std::env::var_os("EDGESHOP_ROOT").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."))
}

/// Held while a server starts, until it answers: one start at a time on the machine, across the
/// test processes too (`cargo xtask test` runs two files at once). Several workerd instances
/// booting at once on two cores crawl, and two wranglers choosing their ports at the same moment
/// can choose the same one ("Address already in use").
fn one_start_at_a_time() -> (std::sync::MutexGuard<'static, ()>, std::fs::File) {
    static STARTING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let in_process = STARTING.lock().unwrap_or_else(|e| e.into_inner());
    let path = std::env::temp_dir().join("edgeshop-e2e-start.lock");
    let file = std::fs::File::options().create(true).truncate(false).write(true).open(&path).expect("the start lock file");
    file.lock().expect("lock the start lock file");
    (in_process, file)
}

pub struct Shop {
    pub base: String,
    pgid: u32,
    pub persist: PathBuf,
}

pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub headers: Vec<(String, String)>,
    /// The body as text (invalid UTF-8 replaced), and as sent.
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The cookie `name` this answer sets, as a request sends it back (`name=value`).
    pub fn cookie(&self, name: &str) -> Option<String> {
        let prefix = format!("{name}=");
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .find(|(_, v)| v.starts_with(&prefix))
            .map(|(_, v)| v.split(';').next().unwrap_or_default().to_string())
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

impl Shop {
    /// One server per test binary, stopped when the test process exits.
    pub fn shared() -> &'static Shop {
        static SHOP: OnceLock<Shop> = OnceLock::new();
        SHOP.get_or_init(Shop::start)
    }

    pub fn start() -> Shop {
        Shop::start_with(&Shop::fresh_state_dir(), &[])
    }

    pub fn fresh_state_dir() -> PathBuf {
        std::env::temp_dir().join(format!("edgeshop-e2e-{}-{}", std::process::id(), free_port()))
    }

    /// Starts `wrangler dev` persisting state in `persist` (reuse it to test restarts), with extra
    /// `--var NAME:VALUE` settings.
    pub fn start_with(persist: &std::path::Path, vars: &[(&str, &str)]) -> Shop {
        Self::start_with_args(persist, vars, &[])
    }

    /// As [`Shop::start_with`], with more `wrangler dev` arguments (such as `--assets DIR`, to
    /// serve another build of the pages and catalog data with the same worker).
    pub fn start_with_args(persist: &std::path::Path, vars: &[(&str, &str)], args: &[&str]) -> Shop {
        let _one_at_a_time = one_start_at_a_time();
        let root = root();
        let wrangler = root.join("node_modules/.bin/wrangler");
        assert!(wrangler.exists(), "{} is missing: run `cargo xtask test`", wrangler.display());
        assert!(root.join("edge/build/worker/shim.mjs").exists(), "the worker is not built: run `cargo xtask test`");
        std::fs::create_dir_all(persist).expect("persist dir");
        apply_migrations(&root, &wrangler, persist);
        // wrangler 4.86 runs the [build] command a second time once its file watcher is ready and
        // restarts the runtime with that build; on a busy machine the second runtime can find the
        // first still holding the port and die ("Address already in use"). Another port then.
        for attempt in 1.. {
            match Self::spawn_wrangler(&wrangler, persist, vars, args) {
                Ok(shop) => return shop,
                Err((shop, child, log)) if attempt < 3 && log.contains("Address already in use") => {
                    shop.stop_and_reap(child);
                    // Its process group is gone: no stop again on drop (the number may be reused).
                    std::mem::forget(shop);
                    eprintln!("wrangler dev lost its port at start (attempt {attempt}); starting it again");
                }
                Err((_, _, log)) => panic!("wrangler dev did not become healthy on {}; its log:\n{log}", persist.display()),
            }
        }
        unreachable!()
    }

    /// One `wrangler dev` on a free port: the shop once it answers after wrangler's second build
    /// (see [`Shop::start_with_args`]), or it, its watchdog shell and its log if it did not answer
    /// within three minutes or its runtime died first.
    fn spawn_wrangler(
        wrangler: &std::path::Path,
        persist: &std::path::Path,
        vars: &[(&str, &str)],
        args: &[&str],
    ) -> Result<Shop, (Shop, std::process::Child, String)> {
        let port = free_port();
        // A log left by an earlier server on this state must not be read as this one's.
        let _ = std::fs::remove_file(persist.with_extension("log"));
        // A watchdog shell owns the process group: it stops wrangler (and workerd) when this test
        // process goes away, even if it never runs destructors.
        // The development switch (test payment provider) is on unless a test turns it off to see
        // what a deployed shop does.
        let mut vars: Vec<(&str, &str)> = vars.to_vec();
        if !vars.iter().any(|(k, _)| *k == "EDGESHOP_DEV") {
            vars.push(("EDGESHOP_DEV", "1"));
        }
        let mut vars: String = vars.iter().map(|(k, v)| format!(" --var {k}:{v}")).collect();
        for a in args {
            vars.push_str(&format!(" '{}'", a.replace('\'', "")));
        }
        let script = format!(
            "\"$0\" dev --local --ip 127.0.0.1 --port {port} --show-interactive-dev-session=false --persist-to \"$1\"{vars} > \"$1.log\" 2>&1 & \
             while kill -0 {parent} 2>/dev/null; do sleep 0.5; done; kill -TERM -$$",
            parent = std::process::id()
        );
        let child = {
            use std::os::unix::process::CommandExt;
            Command::new("sh")
                .arg("-c")
                .arg(script)
                .arg(wrangler)
                .arg(persist)
                .current_dir(root())
                .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
                .env("WRANGLER_SEND_METRICS", "false")
                .env("WRANGLER_LOG_PATH", root().join(WRANGLER_LOGS))
                // `cargo xtask test` built the shop: wrangler's [build] step has nothing to do.
                .env("EDGESHOP_PREBUILT", "1")
                .stdin(Stdio::null())
                .process_group(0)
                .spawn()
                .expect("start wrangler dev")
        };
        let shop = Shop { base: format!("http://127.0.0.1:{port}"), pgid: child.id(), persist: persist.to_path_buf() };
        let deadline = Instant::now() + Duration::from_secs(180);
        // Answering before the second build began is not enough: that build restarts the runtime.
        // It begins within seconds; a wrangler that never runs it is let be after ten.
        let mut answered: Option<Instant> = None;
        loop {
            let log = shop.log();
            if shop.try_get("/api/health").is_ok_and(|r| r.status == 200) {
                let first = *answered.get_or_insert_with(Instant::now);
                if let Some(restart) = log.find("restarting build") {
                    // Usually the runtime starts after that build began; otherwise it restarts
                    // with it ("Reloading local server…", then "…updated and ready"), which on a
                    // busy machine can take seconds: a request in between gets a 503 ("Your
                    // worker restarted mid-request"). Ready once that is done, or after 20 s.
                    let after = &log[restart..];
                    let reloaded = after.rfind("Local server updated and ready");
                    let reloading = after.rfind("Reloading local server");
                    if after.contains("Ready on") && reloading.is_none() || reloaded > reloading || first.elapsed() > Duration::from_secs(20) {
                        return Ok(shop);
                    }
                } else if first.elapsed() > Duration::from_secs(10) {
                    return Ok(shop);
                }
            }
            // wrangler names its log file as it exits with an error (a bad configuration, say):
            // no use waiting for it.
            if Instant::now() > deadline || log.contains("Address already in use") || log.contains("Logs were written to") {
                return Err((shop, child, log));
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Runs `cargo xtask dev` on `catalog` with its own output (`work/dist`) and state
    /// (`work/state`), as a developer would, and waits until it serves (it builds first).
    pub fn start_xtask_dev(work: &std::path::Path, catalog: &std::path::Path) -> Shop {
        let _one_at_a_time = one_start_at_a_time();
        let root = root();
        let port = free_port();
        let state = work.join("state");
        std::fs::create_dir_all(work).expect("work dir");
        let script = format!(
            "cargo run --quiet -p xtask -- dev --port {port} --catalog \"$1\" --out \"$2\" --state \"$3\" > \"$3.log\" 2>&1 & \
             while kill -0 {parent} 2>/dev/null; do sleep 0.5; done; kill -TERM -$$",
            parent = std::process::id()
        );
        let child = {
            use std::os::unix::process::CommandExt;
            Command::new("sh")
                .arg("-c")
                .arg(script)
                .arg("xtask-dev")
                .arg(catalog)
                .arg(work.join("dist"))
                .arg(&state)
                .current_dir(&root)
                .stdin(Stdio::null())
                .process_group(0)
                .spawn()
                .expect("start cargo xtask dev")
        };
        let shop = Shop { base: format!("http://127.0.0.1:{port}"), pgid: child.id(), persist: state.clone() };
        let deadline = Instant::now() + Duration::from_secs(600);
        while !shop.try_get("/api/health").is_ok_and(|r| r.status == 200) {
            assert!(Instant::now() < deadline, "cargo xtask dev did not serve in time; its log:\n{}", shop.log());
            std::thread::sleep(Duration::from_millis(500));
        }
        shop
    }

    /// What the server wrote to its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.persist.with_extension("log")).unwrap_or_default()
    }

    fn agent() -> ureq::Agent {
        ureq::Agent::new_with_config(
            ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).timeout_global(Some(Duration::from_secs(30))).build(),
        )
    }

    fn try_get(&self, path: &str) -> Result<Reply, ureq::Error> {
        let _db = LOCAL_DB.read().unwrap_or_else(|e| e.into_inner());
        let mut resp = Self::agent().get(&format!("{}{}", self.base, path)).call()?;
        Ok(reply(&mut resp))
    }

    pub fn get(&self, path: &str) -> Reply {
        self.try_get(path).unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    pub fn post_json(&self, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
        self.request("POST", path, headers, Some(body))
    }

    /// A form post, as a browser sends it (`application/x-www-form-urlencoded`).
    pub fn post_form(&self, path: &str, headers: &[(&str, &str)], fields: &[(&str, &str)]) -> Reply {
        let enc = |s: &str| {
            s.bytes()
                .map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
                .collect::<String>()
        };
        let body = fields.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&");
        let mut headers = headers.to_vec();
        headers.push(("content-type", "application/x-www-form-urlencoded"));
        self.request("POST", path, &headers, Some(&body))
    }

    /// The test payment provider's hosted page for `session`, its button `action` (pay, decline
    /// or cancel) pressed.
    pub fn press_test_provider(&self, session: &str, action: &str) -> Reply {
        let path = format!("/api/payments/test-provider/sessions/{}", session.trim_start_matches("/pay/test/"));
        self.request("POST", &path, &[("content-type", "application/x-www-form-urlencoded")], Some(&format!("action={action}")))
    }

    /// Any method, with headers and an optional JSON body.
    ///
    /// wrangler's dev proxy answers 503 "Your worker restarted mid-request" when the runtime it
    /// passed a request to went away before answering (replaced by a restart) and it cannot replay
    /// the request itself (any but GET and HEAD); it asks for it again. So does this, at most three
    /// times. The retry hides no answer of the shop's: the first attempt got none.
    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> Reply {
        let url = format!("{}{}", self.base, path);
        // JSON unless the caller names another type.
        let json = body.is_some() && !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        let _db = LOCAL_DB.read().unwrap_or_else(|e| e.into_inner());
        for attempt in 1.. {
            let mut builder = ureq::http::Request::builder().method(method).uri(&url);
            for (k, v) in headers.iter().chain(json.then_some(&("content-type", "application/json"))) {
                builder = builder.header(*k, *v);
            }
            let result = match body {
                Some(b) => Self::agent().run(builder.body(b.to_string()).expect("request")),
                None => Self::agent().run(builder.body(()).expect("request")),
            };
            let mut resp = result.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
            let reply = reply(&mut resp);
            if attempt < 4 && reply.status == 503 && reply.body.starts_with("Your worker restarted mid-request") {
                eprintln!("{method} {path}: wrangler's runtime restarted under it (attempt {attempt}); sending it again");
                std::thread::sleep(Duration::from_millis(500 * attempt));
                continue;
            }
            return reply;
        }
        unreachable!()
    }

    pub fn stop(&self) {
        let _ = Command::new("kill").args(["-TERM", "--", &format!("-{}", self.pgid)]).status();
    }

    /// Stops the server started by `watchdog` (its shell) and waits until none of its processes
    /// is left: ten seconds, then they are killed.
    fn stop_and_reap(&self, mut watchdog: std::process::Child) {
        self.stop();
        let _ = watchdog.wait();
        let group = format!("-{}", self.pgid);
        let gone = || !Command::new("kill").args(["-0", "--", &group]).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        while !gone() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        if !gone() {
            let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

/// Held for reading by this process's requests to its shops, for writing while a test reads or
/// writes a shop's local D1 file directly ([`d1_query`]).
static LOCAL_DB: std::sync::RwLock<()> = std::sync::RwLock::new(());

impl Shop {
    /// Adds `lines` (SKU, quantity) to a new cart from `client` and returns the cart's id.
    pub fn fill_cart(&self, client: &str, lines: &[(&str, u32)]) -> String {
        let mut cart: Option<String> = None;
        for (sku, quantity) in lines {
            let mut headers = vec![("cf-connecting-ip", client)];
            if let Some(c) = &cart {
                headers.push(("x-cart-id", c.as_str()));
            }
            let body = serde_json::json!({ "sku": sku, "quantity": quantity }).to_string();
            let r = self.post_json("/api/cart/lines", &headers, &body);
            assert_eq!(r.status, 201, "{}", r.body);
            cart = r.header("x-cart-id").map(str::to_string);
        }
        cart.expect("a cart (no lines given?)")
    }

    /// The checkout form as a shopper from `client` with one unit in the cart sees it (an empty
    /// cart is sent to the cart page), with `cookie` besides the cart's (a signed-in shopper's).
    pub fn checkout_form(&self, client: &str, cookie: Option<&str>) -> Reply {
        let sku = stocked_variants(&sample_catalog(), 6).into_iter().next().expect("a stocked variant").sku;
        let cart = self.fill_cart(client, &[(&sku, 1)]);
        let cookies = [Some(format!("edgeshop_cart={cart}")), cookie.map(str::to_string)].into_iter().flatten().collect::<Vec<_>>().join("; ");
        let r = self.request("GET", "/checkout/", &[("cf-connecting-ip", client), ("x-cart-id", &cart), ("cookie", &cookies)], None);
        assert_eq!(r.status, 200, "{}", r.body);
        r
    }

    /// A cash-on-delivery order of `lines` from `client`, packed, shipped and delivered by the
    /// merchant: the checkout's answer (`order_number`, `token`, `order_url`).
    pub fn delivered_order(&self, client: &str, lines: &[(&str, u32)], key: &str) -> serde_json::Value {
        let cart = self.fill_cart(client, lines);
        let body = serde_json::json!({
            "address": { "name": "Ciara Quinn", "line1": "3 Mill Lane", "city": "Kilkenny", "postal_code": "R95 A1B2", "country": "IE" },
            "contact": { "email": "ciara@example.ie" },
            "payment_method": "cash_on_delivery",
        });
        let r = self.post_json("/api/checkout", &[("cf-connecting-ip", client), ("x-cart-id", &cart), ("idempotency-key", key)], &body.to_string());
        assert_eq!(r.status, 201, "{}", r.body);
        let placed = r.json();
        let n = placed["order_number"].as_u64().expect("an order number");
        let steps = [
            serde_json::json!({ "status": "packed" }),
            serde_json::json!({ "status": "shipped", "carrier": "An Post", "tracking_number": "CE000000001IE" }),
            serde_json::json!({ "status": "delivered" }),
        ];
        for step in steps {
            let r = self.admin("POST", &format!("/api/admin/orders/{n}/fulfilment"), Some(&step.to_string()));
            assert_eq!(r.status, 202, "{}", r.body);
            self.wait_admin_order(n, "fulfilment", |o| o["order"]["status"] == step["status"]);
        }
        placed
    }
}

impl Shop {
    /// Signs `who` up for the newsletter from `client` (with or without new-product digests) and
    /// confirms with the emailed link.
    pub fn subscribe_confirmed(&self, who: &str, client: &str, new_products: bool) {
        let body = serde_json::json!({ "email": who, "new_products": new_products }).to_string();
        assert_eq!(self.post_json("/api/newsletter", &[("cf-connecting-ip", client)], &body).status, 202);
        let confirm = self.wait_emails("confirmation", 1, |e| e.to.contains(who) && e.subject.starts_with("Confirm your subscription"));
        let link = confirm[0].text.lines().find_map(|l| l.strip_prefix("Confirm: ")).expect("confirmation link").to_string();
        assert_eq!(self.request("POST", link.trim_start_matches("https://shop.example.com"), &[], None).status, 200);
    }
}

/// Polls `f` until it gives a value, failing with `what` after `seconds`.
pub fn wait_for<T>(what: &str, seconds: u64, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

impl Shop {
    /// A merchant API call with the admin bearer token.
    pub fn admin(&self, method: &str, path: &str, body: Option<&str>) -> Reply {
        let auth = format!("Bearer {}", admin_token());
        self.request(method, path, &[("authorization", &auth)], body)
    }

    /// The merchant's view of an order (`GET /api/admin/orders/{n}`).
    pub fn admin_order(&self, number: u64) -> serde_json::Value {
        let r = self.admin("GET", &format!("/api/admin/orders/{number}"), None);
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()
    }

    /// Polls the merchant's view of an order until `done` holds (queue delivery is asynchronous).
    pub fn wait_admin_order(&self, number: u64, what: &str, done: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let o = self.admin_order(number);
            if done(&o) {
                return o;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}: {o}");
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

/// A message the local `send_email` simulation wrote (wrangler dev logs its headers and the
/// files holding its parts).
#[derive(Clone, Debug)]
pub struct SentEmail {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub html_path: String,
}

impl Shop {
    /// Every message sent so far, in order.
    pub fn emails(&self) -> Vec<SentEmail> {
        let log = std::fs::read_to_string(self.persist.with_extension("log")).unwrap_or_default();
        // Drop ANSI colour codes.
        let mut clean = String::with_capacity(log.len());
        let mut chars = log.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                for d in chars.by_ref() {
                    if d.is_ascii_alphabetic() {
                        break;
                    }
                }
            } else {
                clean.push(c);
            }
        }
        let mut out = Vec::new();
        for block in clean.split("send_email binding called with MessageBuilder:").skip(1) {
            let field = |name: &str| block.lines().find_map(|l| l.trim().strip_prefix(name).map(|v| v.trim().to_string())).unwrap_or_default();
            let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
            let (text_path, html_path) = (field("Text: "), field("HTML: "));
            out.push(SentEmail {
                from: field("From: "),
                to: field("To: "),
                subject: field("Subject: "),
                text: read(&text_path),
                html: read(&html_path),
                html_path,
            });
        }
        out
    }

    /// Waits until `count` messages match `pred` (or fails after 30 s).
    pub fn wait_emails(&self, what: &str, count: usize, pred: impl Fn(&SentEmail) -> bool) -> Vec<SentEmail> {
        let deadline = Instant::now() + Duration::from_secs(45);
        loop {
            let found: Vec<SentEmail> = self.emails().into_iter().filter(|e| pred(e)).collect();
            if found.len() >= count {
                return found;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {count} × {what}; have {}", found.len());
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

/// Where wrangler's debug logs go (as `cargo xtask` puts them): under `target/`, not the home
/// directory, where every message of the debugger it attaches to the worker piles up.
const WRANGLER_LOGS: &str = "target/wrangler-logs";

/// The order database's schema (`migrations/`) into the local D1 under `persist`.
fn apply_migrations(root: &std::path::Path, wrangler: &std::path::Path, persist: &std::path::Path) {
    let out = Command::new(wrangler)
        .args(["d1", "migrations", "apply", "edgeshop", "--local", "--persist-to"])
        .arg(persist)
        .current_dir(root)
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .env("WRANGLER_SEND_METRICS", "false")
        .env("WRANGLER_LOG_PATH", root.join(WRANGLER_LOGS))
        .env("CI", "true")
        .output()
        .expect("run wrangler d1 migrations apply");
    assert!(
        out.status.success(),
        "wrangler d1 migrations apply failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs SQL against the local D1 database of a shop (for checks against raw rows). A second
/// process reads the SQLite file the running shop writes, so a busy database is asked again.
pub fn d1_query(shop: &Shop, sql: &str) -> serde_json::Value {
    // `wrangler d1 execute` opens the worker's local SQLite file from another process: a request
    // the worker runs meanwhile may find it locked (SQLITE_BUSY, which deployed D1 never answers).
    let _alone = LOCAL_DB.write().unwrap_or_else(|e| e.into_inner());
    let root = root();
    let mut last = String::new();
    for _ in 0..8 {
        let out = Command::new(root.join("node_modules/.bin/wrangler"))
            .args(["d1", "execute", "edgeshop", "--local", "--json", "--persist-to"])
            .arg(&shop.persist)
            .arg("--command")
            .arg(sql)
            .current_dir(&root)
            .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
            .env("WRANGLER_SEND_METRICS", "false")
            .env("WRANGLER_LOG_PATH", root.join(WRANGLER_LOGS))
            .env("CI", "true")
            .output()
            .expect("run wrangler d1 execute");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if out.status.success() {
            let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("d1 execute output is not JSON ({e}): {text}"));
            return value[0]["results"].clone();
        }
        last = format!("{text}{}", String::from_utf8_lossy(&out.stderr));
        std::thread::sleep(Duration::from_millis(400));
    }
    panic!("wrangler d1 execute failed: {last}")
}

fn reply(resp: &mut ureq::http::Response<ureq::Body>) -> Reply {
    let status = resp.status().as_u16();
    let content_type = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let headers = resp.headers().iter().map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string())).collect();
    let mut bytes = Vec::new();
    let _ = resp.body_mut().as_reader().read_to_end(&mut bytes);
    let body = String::from_utf8_lossy(&bytes).into_owned();
    Reply { status, content_type, headers, body, bytes }
}

/// The first owner, made the way the README says: `cargo xtask admin owner`, which prints a
/// one-time sign-in link (returned).
pub fn owner_link(shop: &Shop, email: &str) -> String {
    // One at a time: each is a second writer of the shop's local database.
    static ONE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
    // And no request of this process meanwhile: a write of the shop's own found the database
    // locked by this second writer (SQLITE_BUSY, a 500), as with `d1_query`.
    let _db = LOCAL_DB.write().unwrap_or_else(|e| e.into_inner());
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["run", "--quiet", "--package", "xtask", "--", "admin", "owner", email, "--name", "Olive Owner", "--state"])
        .arg(&shop.persist)
        .args(["--url", &shop.base])
        .current_dir(root())
        .output()
        .expect("run cargo xtask admin owner");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "cargo xtask admin owner failed: {text}{}", String::from_utf8_lossy(&out.stderr));
    text.lines().find(|l| l.contains("/admin/sign-in/#token=")).expect("a sign-in link").trim().to_string()
}

/// Runs a browser test script (Node + playwright-core + Debian's chromium) against the shop.
/// The admin bearer token `cargo xtask build` wrote into `.dev.vars`.
pub fn admin_token() -> String {
    let vars = std::fs::read_to_string(root().join(".dev.vars")).expect(".dev.vars");
    vars.lines().find_map(|l| l.strip_prefix("ADMIN_TOKEN=")).expect("ADMIN_TOKEN").trim().to_string()
}

pub fn run_browser_test(script: &str, shop: &Shop) {
    run_browser_test_with(script, shop, &[]);
}

/// Runs a browser script with extra environment variables; its output (stdout, then stderr).
pub fn run_browser_test_with(script: &str, shop: &Shop, env: &[(&str, &str)]) -> String {
    // The browser's requests are this process's too: no direct read of the D1 file meanwhile
    // (it found the database locked under a shopper's request, SQLITE_BUSY, a 500).
    let _db = LOCAL_DB.read().unwrap_or_else(|e| e.into_inner());
    let root = root();
    let out = Command::new("node")
        .envs(env.iter().copied())
        .arg(root.join("tests/browser").join(script))
        .env("BASE_URL", &shop.base)
        .env("SCREENSHOT_DIR", root.join("target/screenshots"))
        .current_dir(&root)
        .output()
        .expect("run node");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "browser test {script} failed:\n{text}");
    println!("{text}");
    text
}

impl Drop for Shop {
    fn drop(&mut self) {
        self.stop();
    }
}
