//! Accent- and case-insensitive text search in D1 for the back office ("muller" finds Müller,
//! "lefevre" Lefèvre). SQLite folds ASCII case only and D1 runs no user functions, so the same
//! folding is written twice: in Rust for what staff type, and as SQL that triggers apply to what
//! is stored (`order_search` and `customer_search`, migration 0017). A unit test keeps the two
//! the same.

/// Latin letters with marks, and ligatures, with what they fold to. Both cases of each are
/// folded; letters outside this table keep their case and marks on both sides.
const FOLDS: [(&str, &str); 25] = [
    ("a", "àáâãäåāăą"),
    ("ae", "æ"),
    ("c", "çćčĉċ"),
    ("d", "ďđð"),
    ("e", "èéêëēėęěĕ"),
    ("g", "ĝğġģ"),
    ("h", "ĥħ"),
    ("i", "ìíîïīįıĩĭ"),
    ("j", "ĵ"),
    ("k", "ķ"),
    ("l", "ĺļľłŀ"),
    ("n", "ñńņň"),
    ("o", "òóôõöøōőŏ"),
    ("oe", "œ"),
    ("r", "ŕřŗ"),
    ("s", "śšşŝș"),
    ("ss", "ß"),
    ("t", "ťţțŧ"),
    ("th", "þ"),
    ("u", "ùúûüūůűųũŭ"),
    ("w", "ŵ"),
    ("y", "ýÿŷ"),
    ("z", "źžż"),
    // Capitals whose lower case is not one letter of the table.
    ("i", "İ"),
    ("ss", "ẞ"),
];

/// Every folded letter (both cases) and what it becomes.
fn folds() -> impl Iterator<Item = (char, &'static str)> {
    FOLDS.iter().flat_map(|(to, letters)| {
        letters.chars().flat_map(move |c| {
            let upper = c.to_uppercase().collect::<Vec<_>>();
            let upper = (upper.len() == 1 && upper[0] != c && !upper[0].is_ascii()).then(|| upper[0]);
            std::iter::once((c, *to)).chain(upper.map(|u| (u, *to)))
        })
    })
}

/// `text` as the search tables hold it: ASCII letters in lower case, the table's letters folded.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        // No letter of the table is ASCII: those only change case (the stock search folds
        // thousands of names a request).
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        match folds().find(|(from, _)| *from == c) {
            Some((_, to)) => out.push_str(to),
            None => out.push(c.to_ascii_lowercase()),
        }
    }
    out
}

/// The SQL that folds `expr` as [`fold`] does, in steps: D1 refuses an expression deeper than
/// 100, so the first step folds `lower(expr)` by part of the table and each next one folds the
/// column `text` by the next part.
#[cfg(test)]
fn fold_sql_steps(expr: &str) -> Vec<String> {
    let all: Vec<(char, &str)> = folds().collect();
    all.chunks(FOLDS_PER_STEP)
        .enumerate()
        .map(|(i, part)| {
            let mut sql = if i == 0 { format!("lower({expr})") } else { "text".to_string() };
            for (from, to) in part {
                sql = format!("replace({sql}, '{from}', '{to}')");
            }
            sql
        })
        .collect()
}

#[cfg(test)]
const FOLDS_PER_STEP: usize = 70;

#[cfg(test)]
mod tests {
    use super::*;

    const MIGRATION: &str = include_str!("../../../migrations/0017_folded_search.sql");

    #[test]
    fn folds_marks_and_case_away() {
        assert_eq!(fold("Müller"), "muller");
        assert_eq!(fold("LEFÈVRE"), "lefevre");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("İstanbul Şişli"), "istanbul sisli");
        assert_eq!(fold("Œuvre Łódź"), "oeuvre lodz");
        assert_eq!(fold("ann@example.com"), "ann@example.com");
        // Outside the table: kept as typed, as SQLite's `lower` keeps it.
        assert_eq!(fold("Москва 東京"), "Москва 東京");
    }

    #[test]
    fn every_letter_folds_to_lower_case_ascii() {
        for (from, to) in folds() {
            assert!(!from.is_ascii(), "{from}");
            assert!(to.bytes().all(|b| b.is_ascii_lowercase()), "{from} → {to}");
        }
    }

    /// The migration's triggers and backfill fold with exactly this table.
    #[test]
    fn the_migration_folds_as_rust_does() {
        let order = "NEW.name || char(10) || NEW.email || char(10) || NEW.contact_json || char(10) || NEW.address_json";
        let customer = "NEW.name || char(10) || NEW.email";
        let order_backfill = "name || char(10) || email || char(10) || contact_json || char(10) || address_json";
        let customer_backfill = "name || char(10) || email";
        for (expr, times) in [(order, 2), (customer, 2), (order_backfill, 1), (customer_backfill, 1)] {
            assert_eq!(MIGRATION.matches(&fold_sql_steps(expr)[0]).count(), times, "{expr}");
        }
        // The later steps: after each of the four triggers and the two backfills.
        for step in &fold_sql_steps(order)[1..] {
            assert_eq!(MIGRATION.matches(&format!("text = {step}")).count(), 6);
        }
        assert!(fold_sql_steps(order).len() > 1);
    }

    /// Prints the migration's steps: `cargo test -p edgeshop-edge print_fold_sql -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn print_fold_sql() {
        for expr in [
            "NEW.name || char(10) || NEW.email || char(10) || NEW.contact_json || char(10) || NEW.address_json",
            "NEW.name || char(10) || NEW.email",
            "name || char(10) || email || char(10) || contact_json || char(10) || address_json",
            "name || char(10) || email",
        ] {
            println!("{}", fold_sql_steps(expr).join("\n"));
        }
    }
}
