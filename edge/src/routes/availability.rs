//! What pages and the product feed must not promise: `GET /api/availability?sku=…` tells the
//! product page which options are sold out now, and `GET /feed.xml` (with its later files,
//! `feed-2.xml`, …) is the build's feed with the sold-out SKUs marked `out_of_stock` (both from
//! the stock ledger, briefly cached).

use crate::error::{ApiError, Problem};
use crate::http::Reply;
use crate::query::Query;
use crate::services::stock::Stock;
use edgeshop_api::{Availability, FewLeft};
use edgeshop_domain::stock::{shelf, Shelf};
use edgeshop_domain::StockPolicy;
use worker::{Env, Request, Response};

/// `GET /api/availability?sku=A&sku=B` (up to 100 SKUs): one call to the ledger for their levels.
pub async fn availability(req: &Request, env: &Env) -> Reply {
    let url = req.url()?;
    let q = Query::parse(url.query())?;
    let skus: Vec<String> = q.get_all("sku").filter(|s| !s.is_empty() && s.len() <= 100).map(str::to_string).collect();
    if skus.is_empty() || skus.len() > 100 {
        return Err(ApiError::new(Problem::BadParameter, "ask about 1 to 100 SKUs: `?sku=A&sku=B`"));
    }
    let limits = Stock(env).limits(&skus).await?;
    let mut now = Availability::default();
    // A SKU the catalog does not have cannot be bought, and one that may be oversold is always in
    // stock: neither is reported.
    for (sku, left) in skus.into_iter().zip(limits) {
        match left.map(|left| shelf(left, StockPolicy::Deny)) {
            Some(Shelf::SoldOut) => now.sold_out.push(sku),
            Some(Shelf::FewLeft(left)) => now.few_left.push(FewLeft { sku, left }),
            _ => {}
        }
    }
    let mut resp = Response::from_json(&now)?;
    resp.headers_mut().set("cache-control", "public, max-age=30")?;
    Ok(resp)
}

/// `GET /feed.xml` and `GET /feed-{part}.xml`: the feed file the build wrote, with what the ledger
/// says is sold out now.
pub async fn feed(env: &Env, part: Option<&str>) -> Reply {
    let path = match part {
        None => "/feed.xml".to_string(),
        Some(part) => feed_part_path(part)
            .ok_or_else(|| ApiError::new(Problem::NotFound, format!("the feed has no part `{part}`: parts are numbered from 2")))?,
    };
    let built = crate::build_data::public_asset_if_any(env, &path)
        .await?
        .ok_or_else(|| ApiError::new(Problem::NotFound, format!("the feed has no file {path}")))?;
    let sold_out: std::collections::HashSet<String> = Stock(env).sold_out(None).await?.into_iter().collect();
    let mut resp = Response::ok(mark_sold_out(&built, &sold_out))?;
    resp.headers_mut().set("content-type", "application/xml; charset=utf-8")?;
    resp.headers_mut().set("cache-control", "public, max-age=300")?;
    Ok(resp)
}

/// The file of the feed's `part` (`2` is `/feed-2.xml`): a number from 2, written as the build
/// writes it (no sign, no leading zero).
fn feed_part_path(part: &str) -> Option<String> {
    let n: u32 = part.parse().ok().filter(|n| *n >= 2)?;
    (n.to_string() == part).then(|| format!("/feed-{n}.xml"))
}

/// Each `<item>` whose `<g:id>` (the SKU, XML-escaped) is sold out gets `out_of_stock`.
fn mark_sold_out(feed: &str, sold_out: &std::collections::HashSet<String>) -> String {
    if sold_out.is_empty() {
        return feed.to_string();
    }
    let escaped: std::collections::HashSet<String> = sold_out.iter().map(|s| format!("<g:id>{}</g:id>", edgeshop_domain::escape_html(s))).collect();
    let mut out = String::with_capacity(feed.len());
    for (i, part) in feed.split("<item>").enumerate() {
        if i > 0 {
            out.push_str("<item>");
        }
        let id_end = part.find("</g:id>").map(|e| e + "</g:id>".len());
        let listed = id_end.and_then(|end| part[..end].rfind("<g:id>").map(|start| &part[start..end])).is_some_and(|id| escaped.contains(id));
        if listed {
            out.push_str(&part.replacen("<g:availability>in_stock</g:availability>", "<g:availability>out_of_stock</g:availability>", 1));
        } else {
            out.push_str(part);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn feed_parts_are_numbers_from_two_as_the_build_writes_them() {
        assert_eq!(super::feed_part_path("2").as_deref(), Some("/feed-2.xml"));
        assert_eq!(super::feed_part_path("12").as_deref(), Some("/feed-12.xml"));
        for bad in ["0", "1", "02", "+2", "-2", "2x", "x", "", "99999999999"] {
            assert_eq!(super::feed_part_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_the_sold_out_items_change() {
        let feed = "<rss><item>\n  <g:id>A&amp;1</g:id>\n  <g:availability>in_stock</g:availability>\n</item>\n<item>\n  <g:id>B</g:id>\n  <g:availability>in_stock</g:availability>\n</item></rss>";
        let out = super::mark_sold_out(feed, &["A&1".to_string()].into_iter().collect());
        assert_eq!(out.matches("out_of_stock").count(), 1);
        assert!(out.contains("<g:id>B</g:id>\n  <g:availability>in_stock"));
        assert_eq!(super::mark_sold_out(feed, &Default::default()), feed);
    }
}
