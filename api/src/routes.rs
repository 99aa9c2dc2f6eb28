//! Every route the worker answers, written once: the worker's router matches requests against
//! this table and dispatches on [`Route`] (an exhaustive `match`, so a route without a handler does
//! not compile), and the OpenAPI document (`openapi.rs`, native builds only) describes each entry
//! the same way, so the two cannot drift.

/// An HTTP method the API uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

impl Method {
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

macro_rules! routes {
    ($($name:ident => $method:ident $path:literal,)*) => {
        /// One operation: a method on a path template whose `{name}` segments are parameters.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Route {
            $($name,)*
        }

        impl Route {
            pub const ALL: &'static [Route] = &[$(Route::$name,)*];

            pub const fn method(self) -> Method {
                match self {
                    $(Route::$name => Method::$method,)*
                }
            }

            /// The path template, e.g. `/api/orders/{number}`.
            pub const fn path(self) -> &'static str {
                match self {
                    $(Route::$name => $path,)*
                }
            }
        }
    };
}

routes! {
    Health => Get "/api/health",
    OpenApi => Get "/api/openapi.json",
    Search => Get "/api/search",
    Suggest => Get "/api/search/suggest",
    SearchPage => Get "/search",
    ProductPage => Get "/products/{slug}",
    CategoryPage => Get "/c/{slug}/page/{page}",
    Media => Get "/media/{hash}/{name}",
    BenchSearch => Get "/api/_bench/search",
    Availability => Get "/api/availability",
    Feed => Get "/feed.xml",
    FeedPart => Get "/feed-{part}.xml",
    CartPage => Get "/cart",
    CartAddForm => Post "/cart/add",
    CartLineForm => Post "/cart/update",
    CartFormAgain => Get "/cart/add",
    CartLineFormAgain => Get "/cart/update",
    CartDiscountForm => Post "/cart/discount",
    CheckoutPage => Get "/checkout",
    CheckoutForm => Post "/checkout",
    OrderPage => Get "/orders",
    InvoicePage => Get "/orders/invoice",
    CreditNotePage => Get "/orders/credit-note",
    OrderCancelForm => Post "/orders/cancel",
    OrderPayForm => Post "/orders/pay",
    OrderReturnForm => Post "/orders/return",
    AccountPage => Get "/account",
    AccountSignInForm => Post "/account/sign-in",
    AccountSignInPage => Get "/account/sign-in",
    AccountSessionForm => Post "/account/session",
    AccountSignOutForm => Post "/account/sign-out",
    Account => Get "/api/account",
    AccountSignIn => Post "/api/account/sign-in",
    AccountSession => Post "/api/account/session",
    AccountSignOut => Delete "/api/account/session",
    Cart => Get "/api/cart",
    AddLine => Post "/api/cart/lines",
    UpdateLine => Patch "/api/cart/lines/{id}",
    DeleteLine => Delete "/api/cart/lines/{id}",
    ApplyDiscount => Post "/api/cart/discount",
    RemoveDiscount => Delete "/api/cart/discount",
    Checkout => Post "/api/checkout",
    Order => Get "/api/orders/{number}",
    CancelOrder => Post "/api/orders/{number}/cancel",
    ReturnOrder => Post "/api/orders/{number}/return",
    PayAgain => Post "/api/orders/{number}/payment",
    NewsletterSignUp => Post "/api/newsletter",
    NewsletterForm => Post "/newsletter",
    NewsletterConfirmPage => Get "/api/newsletter/confirm",
    NewsletterConfirm => Post "/api/newsletter/confirm",
    UnsubscribePage => Get "/api/newsletter/unsubscribe",
    Unsubscribe => Post "/api/newsletter/unsubscribe",
    StockAlert => Post "/api/stock-alerts",
    Events => Post "/api/events",
    Webhook => Post "/api/payments/webhook",
    StripeWebhook => Post "/api/payments/stripe/webhook",
    TestProviderAction => Post "/api/payments/test-provider/sessions/{id}",
    TestProviderPage => Get "/pay/test/{id}",
    SignIn => Post "/api/admin/sign-in",
    StartSession => Post "/api/admin/session",
    Session => Get "/api/admin/session",
    EndSession => Delete "/api/admin/session",
    StaffList => Get "/api/admin/staff",
    InviteStaff => Post "/api/admin/staff",
    RemoveStaff => Delete "/api/admin/staff/{id}",
    Audit => Get "/api/admin/audit",
    AdminOrders => Get "/api/admin/orders",
    AdminOrdersExport => Get "/api/admin/orders/export",
    AdminOrder => Get "/api/admin/orders/{number}",
    AdminCancel => Post "/api/admin/orders/{number}/cancel",
    Undelivered => Post "/api/admin/orders/{number}/undelivered",
    AdminNote => Post "/api/admin/orders/{number}/notes",
    ClearAttention => Post "/api/admin/orders/{number}/attention/clear",
    CashReceived => Post "/api/admin/orders/{number}/cash-received",
    Fulfil => Post "/api/admin/orders/{number}/fulfilment",
    Packing => Get "/api/admin/packing",
    PackedMany => Post "/api/admin/packing/packed",
    Refund => Post "/api/admin/orders/{number}/refunds",
    RefundByHand => Post "/api/admin/orders/{number}/refunds/by-hand",
    ReturnAction => Post "/api/admin/orders/{number}/returns/{id}/{action}",
    ResendMessage => Post "/api/admin/orders/{number}/messages/{id}/resend",
    Discounts => Get "/api/admin/discounts",
    CreateDiscount => Post "/api/admin/discounts",
    ChangeDiscount => Patch "/api/admin/discounts/{code}",
    StockList => Get "/api/admin/stock",
    StockLevel => Get "/api/admin/stock/{sku}",
    AdjustStock => Post "/api/admin/stock/{sku}",
    Customers => Get "/api/admin/customers",
    Customer => Get "/api/admin/customers/{email}",
    EraseCustomer => Post "/api/admin/customers/erase",
    SendNewsletter => Post "/api/admin/newsletter",
    NewsletterAudience => Get "/api/admin/newsletter",
    NewProductsDigest => Post "/api/admin/new-products-digest",
    DeadLetters => Get "/api/admin/dead-letters",
    ReplayDeadLetter => Post "/api/admin/dead-letters/{id}/replay",
    FailedNotifications => Get "/api/admin/notifications/failed",
    ZeroResults => Get "/api/admin/search/zero-results",
    AnalyticsReport => Get "/api/admin/analytics",
    AnalyticsExport => Get "/api/admin/analytics/export",
    OpsHealth => Get "/api/admin/health",
    MediaList => Get "/api/admin/media",
    MediaUpload => Post "/api/admin/media/{hash}/{name}",
}

impl Route {
    /// Routes made for development and tests (the test payment provider's page, the bench
    /// endpoint): left out of the published document. Each refuses to work in a deployed shop.
    pub const fn dev_only(self) -> bool {
        matches!(self, Route::BenchSearch | Route::TestProviderPage)
    }

    /// Pages a browser asks for or posts a form to: their refusals are pages too (a form's page
    /// with the reason where it has one), never problem JSON. Not the test payment provider's
    /// page: made for development, its refusals name the setting it needs as problem JSON.
    pub const fn is_page(self) -> bool {
        matches!(
            self,
            Route::SearchPage
                | Route::ProductPage
                | Route::CategoryPage
                | Route::CartPage
                | Route::CartAddForm
                | Route::CartLineForm
                | Route::CartFormAgain
                | Route::CartLineFormAgain
                | Route::CartDiscountForm
                | Route::CheckoutPage
                | Route::CheckoutForm
                | Route::OrderPage
                | Route::InvoicePage
                | Route::CreditNotePage
                | Route::OrderCancelForm
                | Route::OrderPayForm
                | Route::OrderReturnForm
                | Route::AccountPage
                | Route::AccountSignInForm
                | Route::AccountSignInPage
                | Route::AccountSessionForm
                | Route::AccountSignOutForm
                | Route::NewsletterForm
                | Route::NewsletterConfirmPage
                | Route::NewsletterConfirm
                | Route::UnsubscribePage
                | Route::Unsubscribe
        )
    }

    /// Routes that servers post to, not browsers: payment providers' webhooks, and a mail
    /// client's one-click unsubscribe (RFC 8058). Every other write must come from the shop's own
    /// pages when a browser sends it.
    pub const fn sent_by_servers(self) -> bool {
        matches!(self, Route::Webhook | Route::StripeWebhook | Route::Unsubscribe)
    }

    /// Back-office routes: they need a staff session.
    pub fn staff_only(self) -> bool {
        self.path().starts_with("/api/admin/") && !matches!(self, Route::SignIn | Route::StartSession)
    }

    /// The template's parameter names, in order (`{number}`, `{id}` …).
    pub fn parameters(self) -> impl Iterator<Item = &'static str> {
        self.path().split('/').filter_map(|s| split_parameter(s).map(|(_, name, _)| name))
    }

    /// The route's name for metrics and logs: the template with every parameter written `{id}`,
    /// so `/api/orders/1042` and `/api/orders/1043` count together.
    pub fn metric_name(self) -> String {
        let path: Vec<String> = self
            .path()
            .split('/')
            .map(|s| match split_parameter(s) {
                Some((before, _, after)) => format!("{before}{{id}}{after}"),
                None => s.to_string(),
            })
            .collect();
        format!("{} {}", self.method().as_str(), path.join("/"))
    }

    /// The path's segments in this route's parameter positions, or `None` when the path does not
    /// fit the template.
    fn fit<'a>(self, segments: &[&'a str]) -> Option<Params<'a>> {
        let template = self.path().trim_matches('/').split('/');
        if template.clone().count() != segments.len() {
            return None;
        }
        let mut params = Params::default();
        for (t, s) in template.zip(segments) {
            match split_parameter(t) {
                Some((before, _, after)) => {
                    let value = s.strip_prefix(before).and_then(|s| s.strip_suffix(after)).filter(|v| !v.is_empty())?;
                    params.0.push(value);
                }
                None if t != *s => return None,
                None => {}
            }
        }
        Some(params)
    }

    fn literal_segments(self) -> usize {
        self.path().split('/').filter(|s| split_parameter(s).is_none()).count()
    }
}

/// A template segment with a parameter: the text before it, its name and the text after it
/// (`feed-{part}.xml` is `("feed-", "part", ".xml")`).
fn split_parameter(segment: &str) -> Option<(&str, &str, &str)> {
    let (before, rest) = segment.split_once('{')?;
    let (name, after) = rest.split_once('}')?;
    Some((before, name, after))
}

/// The values of a matched route's `{…}` segments, in template order (as sent: not decoded).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params<'a>(Vec<&'a str>);

impl<'a> Params<'a> {
    /// The `i`-th parameter (the table guarantees the route has it).
    pub fn get(&self, i: usize) -> &'a str {
        self.0.get(i).copied().unwrap_or_default()
    }
}

/// What a request's method and path resolve to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolved<'a> {
    Found(Route, Params<'a>),
    /// The path exists with other methods (for the `Allow` header).
    WrongMethod(Vec<Method>),
    NotFound,
}

/// Finds the route for a request. Where templates overlap (`/api/admin/orders/export` and
/// `/api/admin/orders/{number}`), the one with more literal segments wins.
pub fn resolve<'a>(method: &str, path: &'a str) -> Resolved<'a> {
    let segments: Vec<&'a str> = path.trim_matches('/').split('/').collect();
    let mut best: Option<(Route, Params<'a>)> = None;
    let mut allowed = Vec::new();
    for &route in Route::ALL {
        let Some(params) = route.fit(&segments) else { continue };
        if route.method().as_str() != method {
            if !allowed.contains(&route.method()) {
                allowed.push(route.method());
            }
            continue;
        }
        if best.as_ref().is_none_or(|(b, _)| route.literal_segments() > b.literal_segments()) {
            best = Some((route, params));
        }
    }
    match best {
        Some((route, params)) => Resolved::Found(route, params),
        None if allowed.is_empty() => Resolved::NotFound,
        None => Resolved::WrongMethod(allowed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(method: &str, path: &str) -> (Route, Vec<String>) {
        match resolve(method, path) {
            Resolved::Found(r, p) => (r, p.0.iter().map(|s| s.to_string()).collect()),
            other => panic!("{method} {path}: {other:?}"),
        }
    }

    #[test]
    fn paths_resolve_to_their_routes_with_parameters() {
        assert_eq!(found("GET", "/api/orders/1042"), (Route::Order, vec!["1042".into()]));
        assert_eq!(found("POST", "/api/admin/orders/7/returns/3/approve"), (Route::ReturnAction, vec!["7".into(), "3".into(), "approve".into()]));
        assert_eq!(found("GET", "/search/").0, Route::SearchPage);
        assert_eq!(found("PATCH", "/api/cart/lines/abc").0, Route::UpdateLine);
        assert_eq!(found("GET", "/cart/").0, Route::CartPage);
        assert_eq!(found("GET", "/products/trail-tent/"), (Route::ProductPage, vec!["trail-tent".into()]));
        assert_eq!(found("GET", "/c/tents/page/3/"), (Route::CategoryPage, vec!["tents".into(), "3".into()]));
        assert_eq!(found("POST", "/checkout/").0, Route::CheckoutForm);
        assert_eq!(found("GET", "/feed-2.xml"), (Route::FeedPart, vec!["2".into()]));
        assert_eq!(found("GET", "/feed.xml").0, Route::Feed);
        assert_eq!(resolve("GET", "/feed-.xml"), Resolved::NotFound);
        assert_eq!(resolve("GET", "/feed-2.json"), Resolved::NotFound);
    }

    #[test]
    fn literal_segments_win_over_parameters() {
        assert_eq!(found("GET", "/api/admin/orders/export").0, Route::AdminOrdersExport);
        assert_eq!(found("GET", "/api/admin/orders/12").0, Route::AdminOrder);
        assert_eq!(found("POST", "/api/admin/customers/erase").0, Route::EraseCustomer);
        assert_eq!(found("GET", "/api/admin/customers/erase").0, Route::Customer);
    }

    #[test]
    fn a_known_path_with_another_method_lists_the_allowed_ones() {
        assert_eq!(resolve("PUT", "/api/cart/lines/x"), Resolved::WrongMethod(vec![Method::Patch, Method::Delete]));
        assert_eq!(resolve("GET", "/api/checkout"), Resolved::WrongMethod(vec![Method::Post]));
        assert_eq!(resolve("GET", "/api/nothing"), Resolved::NotFound);
        assert_eq!(resolve("GET", "/api/orders//cancel"), Resolved::NotFound);
    }

    #[test]
    fn every_route_is_unique_and_named_without_ids() {
        for (i, a) in Route::ALL.iter().enumerate() {
            for b in &Route::ALL[i + 1..] {
                assert!(a.method() != b.method() || a.path() != b.path(), "{a:?} and {b:?} are the same operation");
            }
        }
        assert_eq!(Route::Order.metric_name(), "GET /api/orders/{id}");
        assert_eq!(Route::ReturnAction.metric_name(), "POST /api/admin/orders/{id}/returns/{id}/{id}");
        assert!(Route::Refund.staff_only() && !Route::SignIn.staff_only() && !Route::Checkout.staff_only());
    }
}
