//! What a product listing offers, written once for the worker's `/search` page (links, no script
//! needed) and the category pages' browser island (checkboxes, filtering in place): the sort
//! orders with their labels and the facet groups with their titles, order and values. The two
//! draw different controls over the same definitions; both show the build's product cards
//! (`SearchHit::card`).

use crate::{FacetValue, Facets};

/// `sort=` values and labels, in the order they are offered. `relevance` is "Best match" on a
/// search and "Featured" on a category page (no words: the merchant's order).
pub const SORTS: [(&str, &str); 4] =
    [("relevance", "Best match"), ("price-asc", "Price, low to high"), ("price-desc", "Price, high to low"), ("newest", "Newest")];

/// The label of a sort order (`value` from [`SORTS`]); `searching`: the listing has search words.
pub fn sort_label(value: &str, searching: bool) -> &'static str {
    match SORTS.iter().find(|(v, _)| *v == value) {
        Some(("relevance", _)) if !searching => "Featured",
        Some((_, label)) => label,
        None => "Best match",
    }
}

/// One group of filters: its title, the query parameter it sets, and its values with the
/// parameter value each one sets (`Name:Value` for options).
pub struct FacetGroup<'a> {
    pub title: &'a str,
    pub parameter: &'static str,
    pub values: Vec<(String, &'a FacetValue)>,
}

/// The groups a listing shows, in order: category (on a search; a category page is one
/// already), brand, price, then each option. Groups without values are left out.
pub fn facet_groups(f: &Facets, with_categories: bool) -> Vec<FacetGroup<'_>> {
    fn plain<'a>(title: &'a str, parameter: &'static str, values: &'a [FacetValue]) -> FacetGroup<'a> {
        FacetGroup { title, parameter, values: values.iter().map(|v| (v.value.clone(), v)).collect() }
    }
    let mut groups = Vec::new();
    if with_categories {
        groups.push(plain("Category", "category", &f.categories));
    }
    groups.push(plain("Brand", "brand", &f.brands));
    groups.push(plain("Price", "price", &f.prices));
    for o in &f.options {
        let mut values: Vec<(String, &FacetValue)> = o.values.iter().map(|v| (format!("{}:{}", o.name, v.value), v)).collect();
        // Sizes in size order (XS, S, M; EU 40, 41), not by how many products have them.
        if values.iter().all(|(_, v)| edgeshop_domain::text::size_rank(&v.value).is_some()) {
            values.sort_by_key(|(_, v)| edgeshop_domain::text::size_rank(&v.value));
        }
        groups.push(FacetGroup { title: &o.name, parameter: "option", values });
    }
    groups.retain(|g| !g.values.is_empty());
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OptionFacet;

    #[test]
    fn groups_come_in_one_order_and_options_carry_their_name() {
        let v = |value: &str| FacetValue { value: value.into(), label: value.into(), count: 1, selected: false };
        let f = Facets {
            categories: vec![v("audio")],
            brands: vec![v("Sonique")],
            prices: vec![],
            options: vec![OptionFacet { name: "Colour".into(), values: vec![v("Black")] }],
        };
        let titles = |g: Vec<FacetGroup>| {
            g.iter().map(|g| (g.title.to_string(), g.parameter, g.values.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>())).collect::<Vec<_>>()
        };
        assert_eq!(
            titles(facet_groups(&f, true)),
            vec![
                ("Category".into(), "category", vec!["audio".to_string()]),
                ("Brand".into(), "brand", vec!["Sonique".to_string()]),
                ("Colour".into(), "option", vec!["Colour:Black".to_string()])
            ]
        );
        assert_eq!(facet_groups(&f, false).len(), 2);
        assert_eq!(
            (sort_label("relevance", true), sort_label("relevance", false), sort_label("newest", false)),
            ("Best match", "Featured", "Newest")
        );
    }
}
