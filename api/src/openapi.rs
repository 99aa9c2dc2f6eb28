//! The OpenAPI 3.1 document of the worker's API, made from the route table ([`Route`]) and the
//! contract's types (their JSON schemas derived by `utoipa`). The site builder writes it to
//! `dist/api/openapi.json`; the worker serves that file, so none of this is in the worker.
//!
//! [`operation`] is an exhaustive `match`: a route added to the table without its description
//! does not compile.

use crate::admin::*;
use crate::analytics::{Beacon, BeaconAccepted, Report};
use crate::routes::Route;
use crate::*;
use serde_json::{json, Map, Value};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;
use utoipa::ToSchema;

const JSON: &str = "application/json";
const HTML: &str = "text/html";
const FORM: &str = "application/x-www-form-urlencoded";
const CSV: &str = "text/csv";

/// The document, as JSON.
pub fn document() -> Value {
    let mut schemas = Schemas::default();
    let mut paths = Map::new();
    for &route in Route::ALL.iter().filter(|r| !r.dev_only()) {
        let op = operation(route).render(route, &mut schemas);
        let item = paths.entry(route.path()).or_insert_with(|| json!({}));
        item[route.method().as_str().to_lowercase()] = op;
    }
    let problem = schemas.reference::<crate::Problem>();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "edgeshop API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Storefront and back-office APIs served by the edge worker. Errors are RFC 9457 \
                application/problem+json; every response carries `x-request-id`. Generated from the API contract \
                (`api/`); the worker routes by the same table.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas.0,
            "responses": {
                "Problem": {
                    "description": "RFC 9457 problem",
                    "content": { "application/problem+json": { "schema": problem } },
                },
            },
            "securitySchemes": {
                "staffSession": {
                    "type": "apiKey", "in": "cookie", "name": "__Host-edgeshop_admin",
                    "description": "Back-office session from a one-time sign-in link (`edgeshop_admin` on plain-HTTP localhost). \
                        Changes must also come from the back office's pages (Sec-Fetch-Site: same-origin or this host's Origin).",
                },
                "adminToken": {
                    "type": "http", "scheme": "bearer",
                    "description": "Development only (EDGESHOP_DEV=1): the ADMIN_TOKEN secret as a bearer token. A deployed shop refuses it.",
                },
            },
        },
    })
}

/// The components' schemas, collected as operations name their types.
#[derive(Default)]
struct Schemas(Map<String, Value>);

impl Schemas {
    fn add(&mut self, name: String, schema: RefOr<Schema>) {
        let value = serde_json::to_value(schema).unwrap_or_default();
        if let Some(existing) = self.0.get(&name) {
            assert_eq!(existing, &value, "two contract types are both called {name}: give one a `schema(as = …)`");
        }
        self.0.insert(name, value);
    }

    /// `{"$ref": …}` to `T`, adding it (and what it refers to) to the components.
    fn reference<T: ToSchema>(&mut self) -> Value {
        let mut nested = Vec::new();
        T::schemas(&mut nested);
        for (name, schema) in nested {
            self.add(name, schema);
        }
        self.add(T::name().into_owned(), T::schema());
        json!({ "$ref": format!("#/components/schemas/{}", T::name()) })
    }
}

/// A body's schema: a contract type by reference, or an inline schema for what is not ours (a
/// provider's webhook, text).
enum Body {
    Type(fn(&mut Schemas) -> Value),
    Inline(Value),
}

fn of<T: ToSchema>() -> Body {
    Body::Type(|s| s.reference::<T>())
}

fn text() -> Body {
    Body::Inline(json!({ "type": "string" }))
}

/// An answer: status, description, and its content type and body unless it has none.
type Answer = (u16, &'static str, Option<(&'static str, Body)>);

/// One operation's description.
struct Op {
    summary: &'static str,
    parameters: Vec<Value>,
    body: Vec<(&'static str, Body)>,
    answers: Vec<Answer>,
}

impl Op {
    fn new(summary: &'static str) -> Self {
        Op { summary, parameters: Vec::new(), body: Vec::new(), answers: Vec::new() }
    }

    fn query(mut self, name: &str, schema: Value, description: &str) -> Self {
        self.parameters.push(json!({ "name": name, "in": "query", "required": false, "schema": schema, "description": description }));
        self
    }

    /// A query parameter the operation cannot do without.
    fn needs(mut self, name: &str, schema: Value, description: &str) -> Self {
        self.parameters.push(json!({ "name": name, "in": "query", "required": true, "schema": schema, "description": description }));
        self
    }

    fn header(mut self, name: &str, required: bool, description: &str) -> Self {
        self.parameters
            .push(json!({ "name": name, "in": "header", "required": required, "schema": { "type": "string" }, "description": description }));
        self
    }

    fn cart(self) -> Self {
        self.header("X-Cart-Id", false, "The cart (instead of the `edgeshop_cart` cookie)")
    }

    fn order_token(self) -> Self {
        self.query("token", json!({ "type": "string" }), "The order's token (from the confirmation page or email)")
    }

    fn body(mut self, content_type: &'static str, body: Body) -> Self {
        self.body.push((content_type, body));
        self
    }

    fn answer(mut self, status: u16, description: &'static str, content_type: &'static str, body: Body) -> Self {
        self.answers.push((status, description, Some((content_type, body))));
        self
    }

    fn empty(mut self, status: u16, description: &'static str) -> Self {
        self.answers.push((status, description, None));
        self
    }

    fn render(self, route: Route, schemas: &mut Schemas) -> Value {
        let mut schema_of = |b: Body| match b {
            Body::Type(f) => f(schemas),
            Body::Inline(v) => v,
        };
        let mut parameters: Vec<Value> = route
            .parameters()
            .map(|name| {
                let schema =
                    if name == "number" || name == "page" { json!({ "type": "integer", "minimum": 1 }) } else { json!({ "type": "string" }) };
                json!({ "name": name, "in": "path", "required": true, "schema": schema, "description": path_parameter(name) })
            })
            .collect();
        parameters.extend(self.parameters);
        let mut responses = Map::new();
        for (status, description, content) in self.answers {
            let mut r = json!({ "description": description });
            if let Some((content_type, body)) = content {
                r["content"] = json!({ content_type: { "schema": schema_of(body) } });
            }
            responses.insert(status.to_string(), r);
        }
        responses.insert("default".into(), json!({ "$ref": "#/components/responses/Problem" }));
        let tag = route.path().trim_start_matches("/api").split('/').nth(1).unwrap_or("shop").trim_end_matches(".json").trim_end_matches(".xml");
        let mut op = json!({
            "operationId": format!("{route:?}"),
            "summary": self.summary,
            "tags": [tag],
            "responses": responses,
        });
        if !parameters.is_empty() {
            op["parameters"] = Value::Array(parameters);
        }
        if !self.body.is_empty() {
            let content: Map<String, Value> = self.body.into_iter().map(|(ct, b)| (ct.to_string(), json!({ "schema": schema_of(b) }))).collect();
            op["requestBody"] = json!({ "required": true, "content": content });
        }
        if route.staff_only() {
            op["security"] = json!([{ "staffSession": [] }, { "adminToken": [] }]);
        }
        op
    }
}

fn path_parameter(name: &str) -> &'static str {
    match name {
        "number" => "The order number",
        "sku" => "A SKU",
        "email" => "The customer's email address (percent-encoded)",
        "action" => "approve, reject or receive",
        "slug" => "A product's or category's slug",
        "page" => "The page number",
        "part" => "The feed file's number, from 2",
        _ => "The id",
    }
}

/// The order page's forms: the order and its token, as the page carries them.
fn order_form() -> Body {
    Body::Inline(json!({
        "type": "object",
        "required": ["number", "token"],
        "properties": { "number": { "type": "integer", "minimum": 1 }, "token": { "type": "string" } }
    }))
}

fn string() -> Value {
    json!({ "type": "string" })
}

fn day() -> Value {
    json!({ "type": "string", "format": "date" })
}

fn order_filters(op: Op) -> Op {
    let statuses =
        ["awaiting_payment", "confirmed", "paid", "payment_failed", "packed", "shipped", "delivered", "cancelled", "return_requested", "returned"];
    op.query("status", json!({ "type": "string", "enum": statuses }), "Order status")
        .query("payment", json!({ "type": "string", "enum": ["online", "cash_on_delivery"] }), "Payment method")
        .query("from", day(), "First day, YYYY-MM-DD")
        .query("to", day(), "Last day, YYYY-MM-DD")
        .query("q", string(), "Order number, or part of an email address or name")
        .query("sort", json!({ "type": "string", "enum": ["newest", "oldest", "total_desc", "total_asc"] }), "Order")
}

fn report_range(op: Op) -> Op {
    op.query("from", day(), "First day (YYYY-MM-DD); with `to`, at most 366 days; default: the last 30 days").query(
        "to",
        day(),
        "Last day (YYYY-MM-DD), included",
    )
}

fn operation(route: Route) -> Op {
    match route {
        Route::Health => Op::new("Catalog version, index size and live payment methods").answer(200, "OK", JSON, of::<Health>()),
        Route::OpenApi => Op::new("This document").answer(200, "OpenAPI 3.1", JSON, Body::Inline(json!({ "type": "object" }))),
        Route::Search => Op::new(
            "Product search: typo-tolerant, prefix on the last word, synonyms, exact SKU; compounds written joined or split; words no \
             product has are left out; facets, filters, sort and pages. With no query it lists products (category pages).",
        )
        .query("q", json!({"type": "string", "maxLength": 512}), "Search words; at most 512 bytes and 32 words")
        .query("category", json!({"type": "array", "items": {"type": "string"}}), "Category slug; includes subcategories. Repeat for OR")
        .query("brand", json!({"type": "array", "items": {"type": "string"}}), "Brand name. Repeat for OR")
        .query(
            "price",
            json!({"type": "array", "items": {"type": "string", "pattern": "^[0-9]+-[0-9]*$"}}),
            "Price range in minor units, `2500-5000` or `50000-`. Repeat for OR",
        )
        .query(
            "option",
            json!({"type": "array", "items": {"type": "string"}}),
            "Option value as `Name:Value`, e.g. `Colour:Black`. OR within one name, AND across names",
        )
        .query("sort", json!({"type": "string", "enum": ["relevance", "price-asc", "price-desc", "newest"]}), "Order of results")
        .query("page", json!({"type": "integer", "minimum": 1, "maximum": 200}), "1-based page")
        .query("per_page", json!({"type": "integer", "minimum": 1, "maximum": 100}), "Results per page")
        .query("limit", json!({"type": "integer", "minimum": 1, "maximum": 100}), "Older name of per_page")
        .query(
            "facets",
            json!({"type": "string", "enum": ["0", "1", "true", "false"]}),
            "`1` to count facet values for the query (a kind with a selected value is counted without its own filter)",
        )
        .query(
            "match",
            json!({"type": "string", "enum": ["all"]}),
            "`all`: only products matching every word. Otherwise, when fewer than a page of products match every word, words are left \
             out (those no product has first, then the most common; at most half) and products matching more words rank first.",
        )
        .answer(200, "Results", JSON, of::<SearchResponse>()),
        Route::Suggest => Op::new("Autocomplete: completions of the word being typed (each known to find products) and top products")
            .query("q", json!({"type": "string", "maxLength": 512}), "What has been typed so far")
            .query("limit", json!({"type": "integer", "minimum": 1, "maximum": 10}), "At most this many completions")
            .answer(200, "Suggestions", JSON, of::<Suggestions>()),
        Route::SearchPage => Op::new("The search results page (HTML, the shop's page frame; works without JavaScript)")
            .query("q", json!({"type": "string", "maxLength": 512}), "Search words")
            .query("page", json!({"type": "integer", "minimum": 1, "maximum": 200}), "1-based page")
            .query("sort", json!({"type": "string", "enum": ["relevance", "price-asc", "price-desc", "newest"]}), "Order of results")
            .answer(200, "The page", HTML, text()),
        Route::ProductPage => Op::new(
            "A product page the build left to the edge (a shop with more product pages than its plan's static files): rendered by the \
             worker from the build's data with the static pages' components and cached under the catalog version. Static product \
             pages are served before the worker runs.",
        )
        .answer(200, "The page", HTML, text()),
        Route::CategoryPage => Op::new(
            "A category listing's later page that the build left to the edge (as for product pages): rendered by the worker from the \
             build's data and cached under the catalog version. Static listing pages are served before the worker runs.",
        )
        .answer(200, "The page", HTML, text()),
        Route::Media => Op::new(
            "A product image kept in R2 (`[deploy] images = \"r2\"`): the original or a rendering, by the original's content hash; \
             cacheable for a year (a changed image gets a new address)",
        )
        .answer(200, "The image", "image/*", text()),
        Route::CartPage => Op::new("The cart page (HTML rendered by the worker: lines with quantity forms; works without JavaScript)")
            .answer(200, "The page", HTML, text()),
        Route::CartAddForm => Op::new("Add to cart from the product page's form (works without JavaScript); redirects to the cart")
            .body(
                FORM,
                Body::Inline(json!({
                    "type": "object",
                    "required": ["sku"],
                    "properties": {
                        "sku": { "type": "string", "description": "The variant shown when the page was built" },
                        "quantity": { "type": "integer", "minimum": 1, "maximum": 99 },
                        "variant": { "type": "array", "items": { "type": "string" }, "description": "The product's SKUs; with `option-N`, the one whose option values were chosen" },
                        "option-0": { "type": "string", "description": "The first option's chosen value (and so on: option-1, …)" }
                    }
                })),
            )
            .empty(303, "Added: to the cart page")
            .answer(422, "Not added: the cart page with the reason", HTML, text()),
        Route::CartFormAgain | Route::CartLineFormAgain => {
            Op::new("A cart form's address opened in the browser (a reload after a refusal): redirects to the cart").empty(303, "To the cart page")
        }
        Route::CartLineForm => Op::new("Change a line's quantity or remove it from the cart page's form; redirects to the cart")
            .body(
                FORM,
                Body::Inline(json!({
                    "type": "object",
                    "required": ["line"],
                    "properties": {
                        "line": { "type": "string" },
                        "quantity": { "type": "integer", "minimum": 0, "maximum": 99 },
                        "action": { "enum": ["update", "remove"] }
                    }
                })),
            )
            .empty(303, "Changed: to the cart page")
            .answer(422, "Not changed: the cart page with the reason", HTML, text()),
        Route::CartDiscountForm => Op::new("Apply a discount code to the cart, or remove it (`action=remove`), from the cart page's form; redirects to the cart")
            .body(
                FORM,
                Body::Inline(json!({
                    "type": "object",
                    "properties": {
                        "code": { "type": "string", "maxLength": 32 },
                        "action": { "enum": ["apply", "remove"] }
                    }
                })),
            )
            .empty(303, "Done: to the cart page")
            .answer(422, "Not applied: the cart page with the reason", HTML, text()),
        Route::CheckoutPage => Op::new("The checkout page (HTML form with the order summary; works without JavaScript)").answer(200, "The page", HTML, text()),
        Route::CheckoutForm => Op::new("Place the order from the checkout form (works without JavaScript): the same rules as /api/checkout")
            .body(
                FORM,
                Body::Inline(json!({
                    "type": "object",
                    "required": ["idempotency_key"],
                    "properties": {
                        "idempotency_key": { "type": "string", "description": "From the page (a new one per page)" },
                        "contact.email": { "type": "string" }, "contact.phone": { "type": "string" },
                        "contact.sms": { "type": "string", "description": "Present (any value) to be texted about the order, where the shop sends texts" },
                        "address.name": { "type": "string" }, "address.line1": { "type": "string" }, "address.line2": { "type": "string" },
                        "address.city": { "type": "string" }, "address.postal_code": { "type": "string" }, "address.country": { "type": "string" },
                        "payment_method": { "enum": ["online", "cash_on_delivery"] },
                        "analytics_session": { "type": "string", "description": "The visit's analytics id (added by the analytics script)" }
                    }
                })),
            )
            .empty(303, "Placed: to the order page, or to the payment provider")
            .answer(422, "Not placed: the checkout page with the reasons and what was typed", HTML, text()),
        Route::OrderPage => Op::new("The order page (its summary is in the HTML for browsers without JavaScript)")
            .query("number", json!({ "type": "integer", "minimum": 1 }), "The order number")
            .order_token()
            .answer(200, "The page", HTML, text())
            .answer(404, "No such order (or a wrong token)", HTML, text()),
        Route::OrderCancelForm => Op::new("Cancel the order from its page's form (works without JavaScript); back to the order page")
            .body(FORM, order_form())
            .empty(303, "Asked: to the order page")
            .answer(404, "No such order (or a wrong token)", HTML, text())
            .answer(409, "It has left the warehouse", HTML, text()),
        Route::OrderPayForm => Op::new("Pay an online order still waiting for its payment, from its page's form (works without JavaScript)")
            .body(FORM, order_form())
            .empty(303, "To the payment provider")
            .answer(404, "No such order (or a wrong token)", HTML, text())
            .answer(409, "Nothing to pay", HTML, text()),
        Route::OrderReturnForm => Op::new("Ask to send items of a delivered order back, from its page's form (works without JavaScript); back to the order page")
            .body(
                FORM,
                Body::Inline(json!({
                    "type": "object",
                    "required": ["number", "token"],
                    "properties": {
                        "number": { "type": "integer", "minimum": 1 },
                        "token": { "type": "string" },
                        "reason": { "type": "string", "maxLength": 1000 }
                    },
                    "patternProperties": { "^line-[0-9]+$": { "type": "integer", "minimum": 0, "description": "How many of the order's line i (from 0) go back" } }
                })),
            )
            .empty(303, "Asked: to the order page")
            .answer(404, "No such order (or a wrong token)", HTML, text())
            .answer(409, "Not delivered, or another return is open", HTML, text())
            .answer(422, "No item chosen, or a quantity that is not a whole number or more than was bought", HTML, text()),
        Route::CreditNotePage => Op::new("The credit note of one refund of the sale, a printable page (HTML rendered by the worker): the invoice it corrects, the amount and its tax")
            .query("number", json!({ "type": "integer" }), "The order number")
            .query("token", json!({ "type": "string" }), "The order's token")
            .query("refund", json!({ "type": "string" }), "The refund's id (the invoice links each credit note)")
            .answer(200, "The credit note", HTML, text())
            .answer(404, "No such order or refund of the sale", HTML, text()),
        Route::InvoicePage => Op::new("The order's invoice, a printable page (HTML rendered by the worker): seller, buyer, lines, tax at the rate charged")
            .query("number", json!({ "type": "integer", "minimum": 1 }), "The order number")
            .order_token()
            .answer(200, "The invoice", HTML, text())
            .answer(404, "No such order (or a wrong token)", HTML, text())
            .answer(409, "The order has no invoice (cancelled, or its payment has not arrived)", HTML, text()),
        Route::AccountPage => Op::new(
            "A shopper's account page (HTML rendered by the worker; works without JavaScript): the signed-in shopper's orders, or the \
             form that emails a sign-in link",
        )
        .answer(200, "The page", HTML, text()),
        Route::AccountSignInForm => Op::new("Ask for a sign-in link from the account page's form: the same rules as /api/account/sign-in")
            .body(
                FORM,
                Body::Inline(json!({
                    "type": "object",
                    "required": ["email"],
                    "properties": { "email": { "type": "string", "description": "The address the shopper orders with" } }
                })),
            )
            .answer(200, "A page: a link is on its way if the address has ordered here (the same page whoever asks)", HTML, text())
            .answer(422, "The form again with the reason", HTML, text())
            .answer(429, "The form again: too many links asked for (Retry-After)", HTML, text()),
        Route::AccountSignInPage => Op::new("The emailed sign-in link: a page with one button (mail scanners follow links; only its post signs in)")
            .needs("token", string(), "From the email")
            .answer(200, "The page: the address it signs into, and the one it replaces", HTML, text())
            .answer(404, "The link is unknown, used or expired: the form to ask for a new one", HTML, text()),
        Route::AccountSessionForm => Op::new("Sign in with the emailed link's token (the sign-in page's button); redirects to the account page")
            .body(
                FORM,
                Body::Inline(json!({
                    "type": "object",
                    "required": ["token"],
                    "properties": { "token": { "type": "string", "description": "From the email" } }
                })),
            )
            .empty(303, "Signed in (Set-Cookie): to the account page")
            .answer(401, "The link is unknown, used or expired: the form to ask for a new one", HTML, text())
            .answer(429, "Five links that did not work: locked out for a while (Retry-After)", HTML, text()),
        Route::AccountSignOutForm => Op::new("Sign out from the account page").empty(303, "Signed out: to the account page"),
        Route::Account => Op::new("The signed-in shopper's address and orders, newest first").answer(200, "The account", JSON, of::<account::Account>()),
        Route::AccountSignIn => Op::new(
            "Email a one-time sign-in link to an address that has ordered here (the same answer whoever asks; rate-limited per client and \
             per address)",
        )
        .body(JSON, of::<SignInRequest>())
        .answer(202, "Accepted", JSON, of::<Acknowledged>()),
        Route::AccountSession => Op::new(
            "Use a sign-in link's token: starts the shopper's session (Set-Cookie, 30 days). Five failures lock the client out for a while (429)",
        )
        .body(JSON, of::<SessionRequest>())
        .answer(200, "Signed in", JSON, of::<account::Account>()),
        Route::AccountSignOut => Op::new("Sign out (the session ends; the cookie is cleared)").empty(204, "Signed out"),
        Route::Availability => {
            Op::new("Which of these SKUs are sold out now, and which have only a few units left (the stock ledger's word, newer than the static page that asks); cached 30 s")
                .needs("sku", json!({"type": "array", "items": {"type": "string"}, "maxItems": 100}), "SKUs to check (repeat)")
                .answer(200, "Sold-out SKUs, and those with a few units left, among those asked", JSON, of::<Availability>())
        }
        Route::Feed => Op::new("The product feed (RSS 2.0 with Google Merchant fields), with what sold out since the build marked")
            .answer(200, "The feed", "application/xml", text()),
        Route::FeedPart => Op::new("The product feed's later files past its first 10,000 items (`feed-2.xml`, `feed-3.xml`, …), marked as `feed.xml` is")
            .answer(200, "That part of the feed", "application/xml", text()),
        Route::Cart => Op::new("The current cart, priced by the worker (re-priced when the catalog changed)").cart().answer(
            200,
            "The cart",
            JSON,
            of::<Cart>(),
        ),
        Route::AddLine => Op::new("Add a SKU to the cart (creates the cart)").cart().body(JSON, of::<AddLine>()).answer(201, "The cart", JSON, of::<Cart>()),
        Route::UpdateLine => {
            Op::new("Change a line's quantity (0 removes it)").cart().body(JSON, of::<UpdateLine>()).answer(200, "The cart", JSON, of::<Cart>())
        }
        Route::DeleteLine => Op::new("Remove a line").cart().answer(200, "The cart", JSON, of::<Cart>()),
        Route::ApplyDiscount => Op::new(
            "Apply a discount code to the cart (creates the cart); a code below its minimum stays on the cart and applies once the cart reaches it. \
             Every try counts against the client: ten, then one more a minute",
        )
        .cart()
        .body(JSON, of::<ApplyDiscount>())
        .answer(200, "The cart with the code", JSON, of::<Cart>()),
        Route::RemoveDiscount => Op::new("Take the discount code off the cart").cart().answer(200, "The cart", JSON, of::<Cart>()),
        Route::Checkout => Op::new("Place an order from the cart (idempotent: the same key answers the same)")
            .header("Idempotency-Key", true, "A key per checkout attempt (retries send the same)")
            .cart()
            .body(JSON, of::<CheckoutRequest>())
            .answer(201, "Order placed", JSON, of::<CheckoutResponse>()),
        Route::Order => Op::new("Order status and history (needs the order token)")
            .order_token()
            .header("X-Order-Token", false, "The order's token, instead of `?token=`")
            .answer(200, "The order", JSON, of::<OrderView>()),
        Route::CancelOrder => Op::new("Cancel before shipping")
            .order_token()
            .answer(200, "Cancelled", JSON, of::<OrderAction>())
            .answer(202, "Cancellation requested", JSON, of::<OrderAction>()),
        Route::ReturnOrder => {
            Op::new("Ask to return lines of a delivered order (none named: the whole order), with a reason; one return is open at a time")
                .order_token()
                .body(JSON, of::<ReturnRequest>())
                .answer(200, "Already requested", JSON, of::<OrderAction>())
                .answer(202, "Return requested", JSON, of::<OrderAction>())
        }
        Route::PayAgain => Op::new("A new payment session for an unpaid online order or one whose payment failed (the shopper's \"try again\")")
            .needs("token", string(), "The order's token")
            .answer(201, "Where to pay", JSON, of::<PaymentStart>()),
        Route::NewsletterSignUp => {
            Op::new("Newsletter sign-up (double opt-in: a confirmation link is emailed, at most one every 10 minutes per address)")
                .body(JSON, of::<NewsletterSignUp>())
                .answer(202, "Accepted (the same answer whatever the address's state)", JSON, of::<Acknowledged>())
        }
        Route::NewsletterForm => Op::new("Newsletter sign-up from the footer's form (works without JavaScript): the same rules as /api/newsletter")
            .body(
                FORM,
                Body::Inline(json!({
                    "type": "object",
                    "required": ["email"],
                    "properties": {
                        "email": { "type": "string" },
                        "new_products": { "type": "string", "description": "Present (any value) to hear about new products too" }
                    }
                })),
            )
            .answer(200, "A page: check your inbox (the same whatever the address's state)", HTML, text())
            .answer(422, "Not signed up: a page with the reason", HTML, text()),
        Route::NewsletterConfirmPage => Op::new("Confirmation link from the sign-up email: a page with one button (mail scanners follow links)")
            .needs("token", string(), "From the email")
            .answer(200, "The page", HTML, text()),
        Route::NewsletterConfirm => Op::new("Confirms the subscription (works once)")
            .needs("token", string(), "From the email")
            .answer(200, "Confirmed", HTML, text())
            .answer(410, "Already used or unknown", HTML, text()),
        Route::UnsubscribePage => Op::new("Unsubscribe page (one button)").needs("token", string(), "From the email").answer(200, "The page", HTML, text()),
        Route::Unsubscribe => Op::new("One-click unsubscribe (RFC 8058 List-Unsubscribe-Post)")
            .needs("token", string(), "From the email")
            .answer(200, "Unsubscribed", HTML, text()),
        Route::StockAlert => Op::new("Back-in-stock alert for a sold-out variant (no account needed)")
            .body(JSON, of::<StockAlertRequest>())
            .answer(202, "Registered", JSON, of::<AlertRegistered>()),
        Route::Events => Op::new(
            "Page events from the shop's pages (navigator.sendBeacon): page views, product views, add to cart, searches and clicks on \
             results. Bots are dropped (202 with `dropped`); no address or user agent is stored.",
        )
        .body("text/plain", of::<Beacon>())
        .body(JSON, of::<Beacon>())
        .answer(202, "Queued", JSON, of::<BeaconAccepted>()),
        Route::Webhook => Op::new("Test payment provider's webhook (development only), signed t=…,v1=HMAC-SHA256(secret, t.body)")
            .header("Edgeshop-Signature", true, "t=<unix seconds>,v1=<hex HMAC-SHA256>")
            .body(
                JSON,
                Body::Inline(json!({
                    "type": "object", "required": ["id", "type", "order_number"],
                    "properties": {
                        "id": {"type": "string"}, "type": {"enum": ["payment.succeeded", "payment.failed"]},
                        "order_number": {"type": "integer"}, "amount_minor": {"type": "integer"}, "currency": {"type": "string"},
                    },
                })),
            )
            .answer(200, "Received", JSON, of::<WebhookReceived>()),
        Route::StripeWebhook => Op::new(
            "Stripe webhook endpoint: checkout.session.completed / async_payment_succeeded / async_payment_failed / expired, \
             charge.refunded, refund.created / updated / failed",
        )
        .header("Stripe-Signature", true, "Stripe's signature header")
        .body(
            JSON,
            Body::Inline(json!({
                "type": "object", "required": ["id", "type", "data"],
                "properties": { "id": {"type": "string"}, "type": {"type": "string"}, "data": {"type": "object"} },
            })),
        )
        .answer(200, "Received (and queued, or ignored when it is not one of this shop's payments)", JSON, of::<WebhookReceived>()),
        Route::TestProviderAction => Op::new("Test provider (development only): pay, decline or cancel a hosted payment (form post; redirects)")
            .body(
                FORM,
                Body::Inline(json!({ "type": "object", "required": ["action"], "properties": { "action": { "enum": ["pay", "decline", "cancel"] } } })),
            )
            .empty(303, "Back to the shop"),
        Route::SignIn => Op::new(
            "Back office: email a one-time sign-in link to a member of staff (the same answer whoever asks; rate-limited per client and per address)",
        )
        .body(JSON, of::<SignInRequest>())
        .answer(202, "Accepted", JSON, of::<Acknowledged>()),
        Route::StartSession => {
            Op::new("Back office: use a sign-in link's token; starts the session (Set-Cookie). Five failures lock the client out for a while (429)")
                .body(JSON, of::<SessionRequest>())
                .answer(200, "Signed in", JSON, of::<StaffMember>())
        }
        Route::Session => Op::new("Back office: who is signed in").answer(200, "The member of staff", JSON, of::<StaffMember>()),
        Route::EndSession => Op::new("Back office: sign out (the session ends; the cookie is cleared)").empty(204, "Signed out"),
        Route::StaffList => Op::new("Owners: the staff").answer(200, "The staff", JSON, of::<StaffList>()),
        Route::InviteStaff => Op::new("Owners: invite a member (emails them a sign-in link)")
            .body(JSON, of::<Invite>())
            .answer(201, "Invited", JSON, of::<StaffMember>()),
        Route::RemoveStaff => {
            Op::new("Owners: remove a member (their sessions end; the last owner stays)").answer(200, "Removed", JSON, of::<Removed>())
        }
        Route::Audit => Op::new("The audit log, newest first (100 entries; `before` for older)")
            .query("target", string(), "e.g. order:1001, sku:X, staff:id")
            .query("before", json!({"type": "integer"}), "An entry id")
            .answer(200, "Entries", JSON, of::<AuditLog>()),
        Route::AdminOrders => order_filters(Op::new("Orders: filtered, searched, sorted, 50 a page"))
            .query("page", json!({"type": "integer", "minimum": 1}), "Page (50 orders each)")
            .answer(200, "A page of orders", JSON, of::<OrderPage>()),
        Route::AdminOrdersExport => {
            order_filters(Op::new("Owners: the filtered order list as CSV (up to 10,000 orders)")).answer(200, "CSV", CSV, text())
        }
        Route::AdminOrder => Op::new("One order with its refund due, attention notes, messages, payments, notes, returns and audit")
            .answer(200, "The order", JSON, of::<AdminOrder>()),
        Route::AdminCancel => Op::new("Cancel an order that has not shipped (a paid one is refunded)")
            .body(JSON, of::<CancelRequest>())
            .answer(202, "Accepted", JSON, of::<Accepted>()),
        Route::Undelivered => Op::new(
            "A shipped parcel came back undelivered: the order is cancelled, its units back on sale (unless `restock` is false), an online payment refunded",
        )
        .body(JSON, of::<Undelivered>())
        .answer(202, "Accepted", JSON, of::<Accepted>()),
        Route::ClearAttention => Op::new(
            "Mark the order's note for the merchant as dealt with (the note is kept in the audit log; money still owed by hand keeps it)",
        )
        .answer(202, "Cleared", JSON, of::<Accepted>()),
        Route::AdminNote => Op::new("An internal note on the order").body(JSON, of::<NewNote>()).answer(201, "Created", JSON, of::<Note>()),
        Route::CashReceived => Op::new("Cash on delivery: record that the cash the courier collected reached the shop (once; less than the total flags the order)")
            .body(JSON, of::<CashReceived>())
            .answer(201, "Recorded", JSON, of::<Accepted>()),
        Route::Packing => Op::new("The day's packing: the oldest orders to pack as packing slips, and what to pick for them")
            .answer(200, "The packing list", JSON, of::<PackingList>()),
        Route::PackedMany => Op::new("Mark several orders packed at once (each as its own fulfilment step); says which were refused and why")
            .body(JSON, of::<PackedRequest>())
            .answer(200, "What was done", JSON, of::<PackedAnswer>()),
        Route::Fulfil => Op::new("Mark an order packed, shipped (carrier + tracking number) or delivered")
            .body(JSON, of::<Fulfilment>())
            .answer(202, "Fulfilment recorded", JSON, of::<Accepted>()),
        Route::Refund => Op::new("Refund an amount or lines of a paid order through the provider that took the payment")
            .header("Idempotency-Key", true, "A key per refund (retries send the same)")
            .body(JSON, of::<RefundRequest>())
            .answer(202, "Refund requested", JSON, of::<RefundAccepted>()),
        Route::RefundByHand => Op::new("Record a refund the shop made by hand (cash, bank transfer, voucher): at most what the order owes by hand")
            .body(JSON, of::<RefundByHand>())
            .answer(201, "Recorded", JSON, of::<Accepted>()),
        Route::ReturnAction => Op::new(
            "A return's steps: approve, reject {reason}, receive {lines: [{sku, quantity, restock}]} (restocks the chosen lines, refunds what came back)",
        )
        .body(JSON, of::<ReturnDecision>())
        .answer(202, "Accepted", JSON, of::<Accepted>()),
        Route::ResendMessage => Op::new("Send again a message of the order that failed every try (the address or the mail service mended): its tries start over; 409 for any other message")
            .answer(202, "Sending", JSON, of::<Accepted>()),
        Route::MediaList => Op::new("The images in R2, a page of keys (`<hash>/<name>`) at a time: what an upload need not send")
            .query("cursor", string(), "Where the previous page ended")
            .answer(200, "A page of keys", JSON, Body::Inline(json!({"type": "object", "properties": {"keys": {"type": "array", "items": {"type": "string"}}, "cursor": {"type": ["string", "null"]}}}))),
        Route::MediaUpload => Op::new("Owners: store one image of the build's media store in R2 (`cargo xtask` uploads what the bucket lacks)")
            .body("application/octet-stream", Body::Inline(json!({"type": "string", "format": "binary"})))
            .answer(201, "Stored", JSON, Body::Inline(json!({"type": "object", "properties": {"key": {"type": "string"}}}))),
        Route::StockList => Op::new("Every SKU with on hand, reserved, available and sold, a catalog shard a page; `low=yes` keeps the low ones")
            .query("page", json!({"type": "integer", "minimum": 1}), "Page")
            .query("low", string(), "yes: only SKUs at or below the low-stock threshold")
            .answer(200, "A page of SKUs", JSON, of::<StockPage>()),
        Route::StockLevel => Op::new("Available, reserved and sold units of one SKU").answer(200, "Stock level", JSON, of::<StockLevel>()),
        Route::Discounts => Op::new("Every discount code, newest first, with its uses and what it took off").answer(200, "The codes", JSON, of::<DiscountList>()),
        Route::CreateDiscount => Op::new("Owners: make a discount code (percent or amount off the goods; minimum, first and last day, cap on uses, once per customer)")
            .body(JSON, of::<edgeshop_domain::DiscountCode>())
            .answer(201, "Made", JSON, of::<DiscountRow>()),
        Route::ChangeDiscount => Op::new("Owners: end a discount code or let it work again, or change its last day, cap on uses or minimum")
            .body(JSON, of::<DiscountChange>())
            .answer(200, "Changed", JSON, of::<DiscountRow>()),
        Route::AdjustStock => {
            Op::new("Set a counted level or add/remove units, with a reason; a SKU back from sold out sends its back-in-stock alerts once")
                .body(JSON, of::<StockChange>())
                .answer(200, "Before and after", JSON, of::<StockChanged>())
        }
        Route::Customers => Op::new("Customers from their orders: orders, spent, first and last order")
            .query("q", string(), "Part of an email address or name")
            .query("page", json!({"type": "integer", "minimum": 1}), "Page")
            .answer(200, "A page of customers", JSON, of::<CustomerPage>()),
        Route::Customer => Op::new("A customer and their orders; with export=1 all the shop holds about them (a CustomerExport: payments, returns, messages, notes, newsletter, stock alerts; no order tokens)")
            .query("export", json!({ "type": "string", "enum": ["1"] }), "The customer's data export")
            .answer(200, "The customer", JSON, of::<CustomerDetail>()),
        Route::EraseCustomer => Op::new(
            "Owners: erase a customer's personal data (subscriptions and stock alerts deleted; orders kept with name, address, email and phone replaced)",
        )
        .body(JSON, of::<EraseRequest>())
        .answer(200, "Erased", JSON, of::<Erased>()),
        Route::NewsletterAudience => Op::new("Owners: who a newsletter goes to: confirmed subscribers (and those waiting to confirm or unsubscribed)")
            .answer(200, "The counts", JSON, of::<NewsletterAudience>()),
        Route::SendNewsletter => Op::new("Owners: send a newsletter to confirmed subscribers (with one-click unsubscribe), a page of 30 a queue message")
            .body(JSON, of::<NewsletterRequest>())
            .answer(202, "Sending", JSON, of::<Acknowledged>()),
        Route::NewProductsDigest => Op::new(
            "Owners: announce the catalog's new products (not announced before) to subscribers who asked; once per catalog version. The first \
             call records the catalog as known and sends nothing.",
        )
        .answer(200, "Nothing to send (baseline recorded, or nothing new)", JSON, of::<Digest>())
        .answer(202, "Digest queued", JSON, of::<Digest>()),
        Route::DeadLetters => {
            Op::new("Order events that failed every retry (the dead-letter queue)").answer(200, "Dead letters, newest first", JSON, of::<DeadLetters>())
        }
        Route::ReplayDeadLetter => Op::new("Send a dead letter through the order queue again").answer(202, "Replayed", JSON, of::<Replayed>()),
        Route::FailedNotifications => Op::new("Messages that could not be sent after every try").answer(
            200,
            "Failed messages, newest first",
            JSON,
            of::<FailedNotifications>(),
        ),
        Route::ZeroResults => Op::new("Searches that found nothing, most frequent first").answer(200, "Queries", JSON, of::<ZeroResults>()),
        Route::AnalyticsReport => report_range(Op::new(
            "Reports for a date range against the period of the same length before it: KPIs, chart series (revenue by day, by \
             category, the conversion funnel) and tables (sales, products, customers, search, stock)",
        ))
        .answer(200, "The report", JSON, of::<Report>()),
        Route::AnalyticsExport => report_range(
            Op::new("One table of the report as CSV (money in major units, rates as percentages)").needs("table", string(), "The table's id"),
        )
        .answer(200, "CSV", CSV, text()),
        Route::OpsHealth => Op::new(
            "The shop's own numbers for the last hours: requests, errors and latency by route, queue work and retries, dead letters, \
             emails sent and failed, search latency, alerts sent",
        )
        .query("hours", json!({"type": "integer", "minimum": 1, "maximum": 168}), "1 to 168 (default 24)")
        .answer(200, "The numbers", JSON, of::<crate::analytics::Health>()),
        Route::BenchSearch | Route::TestProviderPage => Op::new("Development only: not published"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_published_route_is_in_the_document_once_and_every_reference_resolves() {
        let doc = document();
        let paths = doc["paths"].as_object().unwrap();
        let operations: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
        assert_eq!(operations, Route::ALL.iter().filter(|r| !r.dev_only()).count());
        for route in Route::ALL {
            let op = &doc["paths"][route.path()][route.method().as_str().to_lowercase()];
            assert_eq!(op.is_null(), route.dev_only(), "{route:?}");
        }
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = &reference[..reference.find('"').unwrap()];
            assert!(schemas.contains_key(name), "{name} is referred to but not defined");
        }
        // The contract's types, not placeholders: the cart's answer names its lines.
        assert!(schemas["Cart"]["properties"]["lines"].is_object());
    }
}
