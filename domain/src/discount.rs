//! Discount codes: which codes are well formed, when a code applies to a cart, what it takes off,
//! and how that amount is shared among the order's lines (for refunds and the payment provider).

use crate::money::Money;
use serde::{Deserialize, Serialize};

/// Longest code, in characters.
pub const MAX_CODE_LEN: usize = 32;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DiscountKind {
    /// `value` percent off the goods (1 to 100).
    Percent,
    /// `value` minor units off the goods, never more than they cost.
    Amount,
}

/// A discount code as the merchant defines it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiscountCode {
    /// Upper-case letters, digits, `-` and `_` (what [`normalize_code`] makes of what is typed).
    pub code: String,
    pub kind: DiscountKind,
    /// Percent (1 to 100) or minor units of the shop's currency.
    pub value: i64,
    /// The goods must cost at least this much (minor units) before the discount.
    #[serde(default)]
    pub min_subtotal_minor: i64,
    /// First day the code works (`YYYY-MM-DD`, UTC).
    #[serde(default)]
    pub starts_on: Option<String>,
    /// Last day the code works (`YYYY-MM-DD`, UTC).
    #[serde(default)]
    pub ends_on: Option<String>,
    /// Orders that may use the code, in all; `None`: no cap.
    #[serde(default)]
    pub max_uses: Option<u32>,
    /// One order per customer (by email address).
    #[serde(default)]
    pub once_per_customer: bool,
    /// A code the merchant ended works no more.
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// Why a code does not take anything off (shown to the shopper).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiscountRefusal {
    Ended,
    NotYet(String),
    BelowMinimum(Money),
    UsedUp,
    AlreadyUsed,
    /// Nothing in the cart to take it off.
    NoGoods,
}

impl DiscountRefusal {
    /// The shopper's reason, with amounts formatted for `locale`.
    pub fn reason(&self, locale: &str) -> String {
        match self {
            DiscountRefusal::Ended => "this code has ended".into(),
            DiscountRefusal::NotYet(day) => format!("this code works from {}", crate::day_label(day)),
            DiscountRefusal::BelowMinimum(min) => format!("this code needs {} of goods or more", min.format(locale)),
            DiscountRefusal::UsedUp => "this code has been used up".into(),
            DiscountRefusal::AlreadyUsed => "this code works once per customer, and this email address has used it".into(),
            DiscountRefusal::NoGoods => "add something to the cart first".into(),
        }
    }
}

/// A code as typed (`  spring-10 `) in the form it is kept (`SPRING-10`): 1 to
/// [`MAX_CODE_LEN`] letters, digits, `-` and `_`. `None` for anything else.
pub fn normalize_code(typed: &str) -> Option<String> {
    let code = typed.trim().to_ascii_uppercase();
    let fits =
        (1..=MAX_CODE_LEN).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    fits.then_some(code)
}

impl DiscountCode {
    /// What is wrong with the definition (`None`: nothing), for the merchant.
    pub fn problem(&self) -> Option<String> {
        if normalize_code(&self.code).as_deref() != Some(self.code.as_str()) {
            return Some(format!("a code is 1 to {MAX_CODE_LEN} capital letters, digits, '-' or '_'"));
        }
        match self.kind {
            DiscountKind::Percent if !(1..=100).contains(&self.value) => return Some("a percentage is 1 to 100".into()),
            DiscountKind::Amount if !(1..=100_000_000).contains(&self.value) => {
                return Some("an amount is more than 0 and at most 1,000,000.00".into())
            }
            _ => {}
        }
        if !(0..=100_000_000).contains(&self.min_subtotal_minor) {
            return Some("the minimum is 0 to 1,000,000.00".into());
        }
        for day in [&self.starts_on, &self.ends_on].into_iter().flatten() {
            if !crate::text::is_iso_date(day) {
                return Some(format!("`{day}` is not a day (YYYY-MM-DD)"));
            }
        }
        if let (Some(from), Some(to)) = (&self.starts_on, &self.ends_on) {
            if to < from {
                return Some("the last day comes before the first".into());
            }
        }
        if self.max_uses == Some(0) {
            return Some("a cap on uses is at least 1".into());
        }
        None
    }

    /// Whether the code works on `today` (`YYYY-MM-DD`, UTC): active and within its days.
    pub fn check_day(&self, today: &str) -> Result<(), DiscountRefusal> {
        if !self.active || self.ends_on.as_deref().is_some_and(|end| today > end) {
            return Err(DiscountRefusal::Ended);
        }
        match self.starts_on.as_deref().filter(|start| today < *start) {
            Some(start) => Err(DiscountRefusal::NotYet(start.to_string())),
            None => Ok(()),
        }
    }

    /// What the code takes off goods costing `subtotal` on `today` (`YYYY-MM-DD`, UTC), or why it
    /// takes nothing. Caps on uses are the database's to check (see [`DiscountRefusal::UsedUp`]).
    pub fn amount_off(&self, subtotal: Money, today: &str) -> Result<Money, DiscountRefusal> {
        self.check_day(today)?;
        if subtotal.minor <= 0 {
            return Err(DiscountRefusal::NoGoods);
        }
        if subtotal.minor < self.min_subtotal_minor {
            return Err(DiscountRefusal::BelowMinimum(Money::new(self.min_subtotal_minor, subtotal.currency)));
        }
        let off = match self.kind {
            // Rounded half up: 15 % of 9.99 is 1.50.
            DiscountKind::Percent => subtotal.percentage((self.value.clamp(0, 100) * 100) as u32),
            DiscountKind::Amount => Money::new(self.value, subtotal.currency),
        };
        Ok(Money::new(off.minor.clamp(0, subtotal.minor), subtotal.currency))
    }

    /// The offer in words: `15% off`, `€10.00 off`, and its conditions.
    pub fn describe(&self, currency: crate::Currency, locale: &str) -> String {
        let mut text = match self.kind {
            DiscountKind::Percent => format!("{}% off", self.value),
            DiscountKind::Amount => format!("{} off", Money::new(self.value, currency).format(locale)),
        };
        if self.min_subtotal_minor > 0 {
            text.push_str(&format!(" orders of {} or more", Money::new(self.min_subtotal_minor, currency).format(locale)));
        }
        text
    }
}

/// `discount` shared among lines costing `line_totals`, in proportion to them (largest remainder,
/// earlier lines first on ties), so the shares add up to the discount exactly and no line gets
/// more than it costs.
pub fn share_discount(discount: i64, line_totals: &[i64]) -> Vec<i64> {
    let total: i64 = line_totals.iter().map(|t| (*t).max(0)).sum();
    if total <= 0 || discount <= 0 {
        return vec![0; line_totals.len()];
    }
    let discount = discount.min(total);
    let exact: Vec<i128> = line_totals.iter().map(|t| i128::from((*t).max(0)) * i128::from(discount)).collect();
    let mut shares: Vec<i64> = exact.iter().map(|e| (e / i128::from(total)) as i64).collect();
    let mut left = discount - shares.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..line_totals.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(exact[i] % i128::from(total)));
    for i in order {
        if left == 0 {
            break;
        }
        if shares[i] < line_totals[i] {
            shares[i] += 1;
            left -= 1;
        }
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn eur(minor: i64) -> Money {
        Money::new(minor, Currency::EUR)
    }

    fn code(kind: DiscountKind, value: i64) -> DiscountCode {
        DiscountCode {
            code: "SPRING".into(),
            kind,
            value,
            min_subtotal_minor: 0,
            starts_on: None,
            ends_on: None,
            max_uses: None,
            once_per_customer: false,
            active: true,
        }
    }

    #[test]
    fn codes_are_kept_in_capitals_and_nothing_else_is_a_code() {
        assert_eq!(normalize_code("  spring-10 ").as_deref(), Some("SPRING-10"));
        assert_eq!(normalize_code("a_b").as_deref(), Some("A_B"));
        for bad in ["", "   ", "two words", "ÉTÉ", "x;drop", &"A".repeat(33), "tab\tcode"] {
            assert_eq!(normalize_code(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_percentage_rounds_half_up_and_an_amount_never_exceeds_the_goods() {
        assert_eq!(code(DiscountKind::Percent, 15).amount_off(eur(999), "2026-12-06"), Ok(eur(150)));
        assert_eq!(code(DiscountKind::Percent, 100).amount_off(eur(4321), "2026-12-06"), Ok(eur(4321)));
        assert_eq!(code(DiscountKind::Amount, 1000).amount_off(eur(4321), "2026-12-06"), Ok(eur(1000)));
        assert_eq!(code(DiscountKind::Amount, 5000).amount_off(eur(4321), "2026-12-06"), Ok(eur(4321)));
    }

    #[test]
    fn a_code_works_only_on_its_days_above_its_minimum_and_while_active() {
        let mut c = code(DiscountKind::Amount, 500);
        c.starts_on = Some("2026-12-01".into());
        c.ends_on = Some("2026-12-31".into());
        c.min_subtotal_minor = 5000;
        assert_eq!(c.amount_off(eur(5000), "2026-12-01"), Ok(eur(500)));
        assert_eq!(c.amount_off(eur(5000), "2026-12-31"), Ok(eur(500)));
        assert_eq!(c.amount_off(eur(5000), "2026-11-30"), Err(DiscountRefusal::NotYet("2026-12-01".into())));
        assert_eq!(c.amount_off(eur(5000), "2027-01-01"), Err(DiscountRefusal::Ended));
        assert_eq!(c.amount_off(eur(4999), "2026-12-06"), Err(DiscountRefusal::BelowMinimum(eur(5000))));
        assert_eq!(code(DiscountKind::Percent, 10).amount_off(eur(0), "2026-12-06"), Err(DiscountRefusal::NoGoods));
        c.active = false;
        assert_eq!(c.amount_off(eur(5000), "2026-12-06"), Err(DiscountRefusal::Ended));
        assert_eq!(DiscountRefusal::BelowMinimum(eur(5000)).reason("en-IE"), "this code needs €50.00 of goods or more");
    }

    #[test]
    fn a_definition_is_checked_before_it_is_kept() {
        assert_eq!(code(DiscountKind::Percent, 20).problem(), None);
        assert!(code(DiscountKind::Percent, 101).problem().is_some());
        assert!(code(DiscountKind::Amount, 0).problem().is_some());
        let mut c = code(DiscountKind::Amount, 100);
        c.code = "spring".into();
        assert!(c.problem().is_some(), "lower case is not how codes are kept");
        let mut c = code(DiscountKind::Amount, 100);
        c.starts_on = Some("2026-12-10".into());
        c.ends_on = Some("2026-12-09".into());
        assert_eq!(c.problem().as_deref(), Some("the last day comes before the first"));
        c.ends_on = Some("2026-02-30".into());
        assert!(c.problem().unwrap().contains("not a day"));
        let mut c = code(DiscountKind::Amount, 100);
        c.max_uses = Some(0);
        assert!(c.problem().is_some());
    }

    #[test]
    fn shares_add_up_to_the_discount_in_proportion_to_the_lines() {
        assert_eq!(share_discount(1000, &[3000, 1000]), vec![750, 250]);
        let shares = share_discount(100, &[333, 333, 334]);
        assert_eq!(shares.iter().sum::<i64>(), 100);
        assert_eq!(shares, vec![33, 33, 34]);
        // More than the goods cost: each line at most its own total.
        assert_eq!(share_discount(9999, &[500, 250]), vec![500, 250]);
        assert_eq!(share_discount(0, &[500]), vec![0]);
        assert_eq!(share_discount(7, &[]), Vec::<i64>::new());
        for (discount, lines) in [(1, vec![1, 1, 1]), (2, vec![1, 1, 1]), (999, vec![1, 998, 5000]), (17, vec![3, 5, 7, 11])] {
            let s = share_discount(discount, &lines);
            assert_eq!(s.iter().sum::<i64>(), discount.min(lines.iter().sum()));
            assert!(s.iter().zip(&lines).all(|(s, l)| s <= l));
        }
    }
}
