//! Integer money: an amount in minor units (cents) with an ISO 4217 currency.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    BadCurrency(String),
    CurrencyMismatch(Currency, Currency),
    Overflow,
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MoneyError::BadCurrency(c) => write!(f, "`{c}` is not a three-letter ISO 4217 currency code"),
            MoneyError::CurrencyMismatch(a, b) => write!(f, "cannot combine {a} and {b} amounts"),
            MoneyError::Overflow => write!(f, "amount is too large"),
        }
    }
}

impl std::error::Error for MoneyError {}

impl Currency {
    pub const EUR: Currency = Currency(*b"EUR");
    pub const USD: Currency = Currency(*b"USD");

    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        let b = code.as_bytes();
        if b.len() == 3 && b.iter().all(u8::is_ascii_uppercase) {
            Ok(Currency([b[0], b[1], b[2]]))
        } else {
            Err(MoneyError::BadCurrency(code.to_string()))
        }
    }

    pub fn code(&self) -> &str {
        // Only ASCII uppercase bytes are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Digits after the decimal point: the ISO 4217 exponent of every currency that has one other
    /// than 2 (the payment provider counts minor units the same way).
    pub fn minor_digits(&self) -> u32 {
        match self.code() {
            "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX" | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => {
                0
            }
            "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
            "CLF" | "UYW" => 4,
            _ => 2,
        }
    }

    pub fn symbol(&self) -> &str {
        match self.code() {
            "EUR" => "€",
            "USD" => "$",
            "GBP" => "£",
            "JPY" => "¥",
            "CHF" => "CHF",
            other => other,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// An ISO 4217 code on the wire (`"EUR"`).
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Currency {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[A-Z]{3}$"))
            .description(Some("ISO 4217 currency code"))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Currency {}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    /// Amount in minor units (cents for EUR/USD).
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub const fn new(minor: i64, currency: Currency) -> Self {
        Money { minor, currency }
    }

    pub const fn zero(currency: Currency) -> Self {
        Money { minor: 0, currency }
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch(self.currency, other.currency));
        }
        let minor = self.minor.checked_add(other.minor).ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, currency: self.currency })
    }

    pub fn checked_mul(self, quantity: u32) -> Result<Money, MoneyError> {
        let minor = self.minor.checked_mul(i64::from(quantity)).ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, currency: self.currency })
    }

    /// `basis_points / 10_000` of this amount, rounded half away from zero.
    pub fn percentage(self, basis_points: u32) -> Money {
        let bp = i128::from(basis_points);
        let raw = i128::from(self.minor) * bp;
        let rounded = if raw >= 0 { (raw + 5_000) / 10_000 } else { (raw - 5_000) / 10_000 };
        Money { minor: rounded as i64, currency: self.currency }
    }

    /// An amount typed by a person: `12`, `12.5`, `12.50` (`.` or `,` before the minor digits, no
    /// sign, at most the currency's minor digits). `None` for anything else.
    pub fn parse_decimal(text: &str, currency: Currency) -> Option<Money> {
        let digits = currency.minor_digits() as usize;
        let text = text.trim();
        let (whole, fraction) = match text.split_once(['.', ',']) {
            Some((w, f)) => (w, f),
            None => (text, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) || fraction.len() > digits || whole.len() > 12 {
            return None;
        }
        let whole: i64 = whole.parse().ok()?;
        let fraction: i64 = if fraction.is_empty() { 0 } else { format!("{fraction:0<digits$}").parse().ok()? };
        Some(Money { minor: whole.checked_mul(10i64.pow(digits as u32))?.checked_add(fraction)?, currency })
    }

    /// Machine formatting: `1299.00` (schema.org `price`, product feeds). No grouping, `.` decimal.
    pub fn decimal(&self) -> String {
        let digits = self.currency.minor_digits();
        let scale = 10u64.pow(digits);
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        if digits == 0 {
            format!("{sign}{abs}")
        } else {
            format!("{sign}{}.{:0width$}", abs / scale, abs % scale, width = digits as usize)
        }
    }

    /// Human formatting for a locale: `en-US` → `$1,299.00`, `de-DE` → `1.299,00 €`.
    pub fn format(&self, locale: &str) -> String {
        let digits = self.currency.minor_digits();
        let scale = 10i64.pow(digits);
        let negative = self.minor < 0;
        let abs = self.minor.unsigned_abs();
        let major = abs / scale as u64;
        let minor = abs % scale as u64;
        let comma_decimal = matches!(locale.get(..2), Some("de" | "fr" | "es" | "it" | "nl" | "pt" | "pl" | "da" | "sv" | "nb" | "fi"));
        let (group, decimal) = if comma_decimal { ('.', ',') } else { (',', '.') };
        let mut whole = String::new();
        let major_digits = major.to_string();
        for (i, ch) in major_digits.chars().enumerate() {
            if i > 0 && (major_digits.len() - i).is_multiple_of(3) {
                whole.push(group);
            }
            whole.push(ch);
        }
        let number = if digits == 0 { whole } else { format!("{whole}{decimal}{minor:0width$}", width = digits as usize) };
        let sign = if negative { "-" } else { "" };
        let symbol = self.currency.symbol();
        if comma_decimal {
            format!("{sign}{number}\u{a0}{symbol}")
        } else if symbol.len() == 3 && symbol.chars().all(|c| c.is_ascii_uppercase()) {
            format!("{sign}{symbol}\u{a0}{number}")
        } else {
            format!("{sign}{symbol}{number}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_for_machines() {
        assert_eq!(Money::new(129900, Currency::EUR).decimal(), "1299.00");
        assert_eq!(Money::new(5, Currency::EUR).decimal(), "0.05");
        assert_eq!(Money::new(-250, Currency::EUR).decimal(), "-2.50");
    }

    #[test]
    fn formats_by_locale() {
        assert_eq!(Money::new(129_900, Currency::USD).format("en-US"), "$1,299.00");
        assert_eq!(Money::new(129_900, Currency::EUR).format("de-DE"), "1.299,00\u{a0}€");
        assert_eq!(Money::new(5, Currency::EUR).format("en-IE"), "€0.05");
        assert_eq!(Money::new(-1050, Currency::EUR).format("en"), "-€10.50");
        assert_eq!(Money::new(1200, Currency::parse("JPY").unwrap()).format("en"), "¥1,200");
    }

    #[test]
    fn arithmetic_is_checked() {
        let a = Money::new(i64::MAX, Currency::EUR);
        assert_eq!(a.checked_add(Money::new(1, Currency::EUR)), Err(MoneyError::Overflow));
        assert!(matches!(Money::new(1, Currency::EUR).checked_add(Money::new(1, Currency::USD)), Err(MoneyError::CurrencyMismatch(..))));
        assert_eq!(Money::new(250, Currency::EUR).checked_mul(3).unwrap().minor, 750);
    }

    #[test]
    fn percentage_rounds_half_away_from_zero() {
        assert_eq!(Money::new(1000, Currency::EUR).percentage(2100).minor, 210);
        assert_eq!(Money::new(5, Currency::EUR).percentage(1000).minor, 1); // 0.5 → 1
        assert_eq!(Money::new(4, Currency::EUR).percentage(1000).minor, 0); // 0.4 → 0
    }

    #[test]
    fn currency_codes_are_validated() {
        assert!(Currency::parse("eur").is_err());
        assert!(Currency::parse("EURO").is_err());
        assert_eq!(serde_json::to_string(&Currency::EUR).unwrap(), "\"EUR\"");
    }

    #[test]
    fn typed_amounts_parse_to_minor_units() {
        let eur = |t: &str| Money::parse_decimal(t, Currency::EUR).map(|m| m.minor);
        assert_eq!(eur("12"), Some(1200));
        assert_eq!(eur("12.5"), Some(1250));
        assert_eq!(eur(" 12,05 "), Some(1205));
        for bad in ["", "-1", "1.234", "1e3", "12.", ".5", "1,000.00", "9999999999999"] {
            assert_eq!(eur(bad), if bad == "12." { Some(1200) } else { None }, "{bad}");
        }
        assert_eq!(Money::parse_decimal("1500", Currency::parse("JPY").unwrap()).map(|m| m.minor), Some(1500));
        assert_eq!(Money::parse_decimal("15.5", Currency::parse("JPY").unwrap()), None);
    }
}
