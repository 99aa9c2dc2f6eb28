//! What happens to an order (and to the shop's mailing lists), as queue messages name it, and the
//! order status each event leads to.

use crate::order::OrderStatus;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    #[serde(rename = "order.placed")]
    OrderPlaced,
    #[serde(rename = "payment.succeeded")]
    PaymentSucceeded,
    #[serde(rename = "payment.failed")]
    PaymentFailed,
    #[serde(rename = "order.cancelled")]
    OrderCancelled,
    #[serde(rename = "order.return_requested")]
    ReturnRequested,
    /// Staff accepted the return: the shopper is told to send the items back.
    #[serde(rename = "return.approved")]
    ReturnApproved,
    /// Staff refused the return (`detail`: why): the order is delivered again.
    #[serde(rename = "return.rejected")]
    ReturnRejected,
    /// The items came back (`amount_minor`: what is refunded for them).
    #[serde(rename = "return.received")]
    ReturnReceived,
    #[serde(rename = "order.packed")]
    Packed,
    #[serde(rename = "order.shipped")]
    Shipped,
    #[serde(rename = "order.delivered")]
    Delivered,
    /// A shipped parcel came back to the shop undelivered (refused at the door, not collected):
    /// the order is cancelled, its units back on sale unless staff say otherwise, an online
    /// payment refunded (`detail`: why).
    #[serde(rename = "order.undelivered")]
    Undelivered,
    /// The provider's payment session ran out unpaid: the order is cancelled, its stock released.
    #[serde(rename = "payment.expired")]
    PaymentExpired,
    /// The merchant refunds part or all of a paid order (`amount_minor`).
    #[serde(rename = "refund.requested")]
    RefundRequested,
    /// The provider reports a refund's state (`payment_ref` is the refund's id).
    #[serde(rename = "refund.updated")]
    RefundUpdated,
    /// Not about an order (`order_number` 0): a SKU came back in stock (`detail`: the SKU).
    #[serde(rename = "stock.restocked")]
    StockRestocked,
    /// Send the double opt-in confirmation (`detail`: the address).
    #[serde(rename = "newsletter.confirm")]
    NewsletterConfirm,
    /// Send a newsletter to confirmed subscribers (`payment_ref`: subject, `detail`: text).
    #[serde(rename = "newsletter.send")]
    NewsletterSend,
    /// Announce new products to subscribers who asked (`detail`: the products, JSON).
    #[serde(rename = "newsletter.new_products")]
    NewProductsDigest,
    /// Tell the merchant something about the shop's health (`payment_ref`: subject, `detail`: text).
    #[serde(rename = "shop.alert")]
    ShopAlert,
    /// Staff put an order's failed messages back to be sent: the consumer sends them (with the
    /// queue's retries), the order itself is unchanged.
    #[serde(rename = "order.messages_resent")]
    MessagesResent,
}

impl EventKind {
    /// Messages that are not about one order (`order_number` 0), handled by `subscriptions`.
    pub fn is_shop_message(self) -> bool {
        matches!(
            self,
            EventKind::StockRestocked
                | EventKind::NewsletterConfirm
                | EventKind::NewsletterSend
                | EventKind::NewProductsDigest
                | EventKind::ShopAlert
        )
    }

    /// The status an order moves to on this event (`Order::apply` decides whether it may);
    /// `None` for events that record something without changing the status (a placed order is
    /// already in its first status; refunds are money, not status).
    pub fn target_status(self) -> Option<OrderStatus> {
        Some(match self {
            EventKind::PaymentSucceeded => OrderStatus::Paid,
            EventKind::PaymentFailed => OrderStatus::PaymentFailed,
            EventKind::OrderCancelled | EventKind::PaymentExpired | EventKind::Undelivered => OrderStatus::Cancelled,
            EventKind::ReturnRequested => OrderStatus::ReturnRequested,
            EventKind::Packed => OrderStatus::Packed,
            EventKind::Shipped => OrderStatus::Shipped,
            EventKind::Delivered | EventKind::ReturnRejected => OrderStatus::Delivered,
            EventKind::ReturnReceived => OrderStatus::Returned,
            EventKind::OrderPlaced
            | EventKind::ReturnApproved
            | EventKind::RefundRequested
            | EventKind::RefundUpdated
            | EventKind::StockRestocked
            | EventKind::NewsletterConfirm
            | EventKind::NewsletterSend
            | EventKind::NewProductsDigest
            | EventKind::ShopAlert
            | EventKind::MessagesResent => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_are_stable() {
        // Messages already in a queue must still parse after a deploy.
        for (kind, name) in [
            (EventKind::OrderPlaced, "order.placed"),
            (EventKind::PaymentExpired, "payment.expired"),
            (EventKind::Undelivered, "order.undelivered"),
            (EventKind::NewProductsDigest, "newsletter.new_products"),
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), name);
        }
    }

    #[test]
    fn status_events_lead_to_their_status_and_shop_messages_to_none() {
        assert_eq!(EventKind::PaymentSucceeded.target_status(), Some(OrderStatus::Paid));
        assert_eq!(EventKind::PaymentExpired.target_status(), Some(OrderStatus::Cancelled));
        assert_eq!(EventKind::Shipped.target_status(), Some(OrderStatus::Shipped));
        for kind in [EventKind::OrderPlaced, EventKind::RefundRequested, EventKind::NewsletterSend] {
            assert_eq!(kind.target_status(), None);
        }
        assert!(EventKind::StockRestocked.is_shop_message() && !EventKind::Delivered.is_shop_message());
        assert_eq!(EventKind::ReturnReceived.target_status(), Some(OrderStatus::Returned));
        assert_eq!(EventKind::ReturnRejected.target_status(), Some(OrderStatus::Delivered));
        assert_eq!(EventKind::ReturnApproved.target_status(), None, "approval is the return's state, not the order's");
    }
}
