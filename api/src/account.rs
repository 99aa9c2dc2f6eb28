//! A shopper's account: no password and no profile, only the address they order with. A one-time
//! link emailed to it signs them in (`/api/account/sign-in`, `/api/account/session`, the same
//! request bodies as the back office's), and the account lists that address's orders.

use crate::MoneyView;
use edgeshop_domain::OrderStatus;
use serde::{Deserialize, Serialize};

pub use crate::admin::{SessionRequest, SignInRequest};

/// Orders an account lists, the newest first, at most.
pub const MAX_ORDERS: u32 = 100;

/// `GET /api/account`: who is signed in and their orders.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    pub email: String,
    /// The newest [`MAX_ORDERS`] orders.
    pub orders: Vec<AccountOrder>,
    /// How many orders the address has in all.
    pub total_orders: u64,
}

/// One order of an account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountOrder {
    pub number: u64,
    /// RFC 3339.
    pub placed_at: String,
    pub status: OrderStatus,
    pub items: u32,
    /// What was bought, in short: the first line's name, and how many other lines.
    #[serde(default)]
    pub summary: String,
    pub total: MoneyView,
    /// The order's page (with its access token).
    pub url: String,
}
