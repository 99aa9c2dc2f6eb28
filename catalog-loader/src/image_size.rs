//! Pixel sizes read from image files, so that a page never shows a photo with a wrong aspect
//! ratio: raster formats from their headers, SVG from its `width`/`height` or `viewBox`.

/// `(width, height)` of a raster image or SVG, or `None` when the bytes are neither.
pub fn image_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if let Ok(s) = imagesize::blob_size(bytes) {
        return Some((s.width as u32, s.height as u32)).filter(|(w, h)| *w > 0 && *h > 0);
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let tag = &text[text.find("<svg")?..];
    let tag = &tag[..tag.find('>')?];
    let attr = |name: &str| {
        ['"', '\''].iter().find_map(|q| {
            let at = tag.find(&format!(" {name}={q}"))? + name.len() + 3;
            tag[at..].split(*q).next().map(str::to_string)
        })
    };
    let num = |s: String| s.trim_end_matches("px").parse::<f64>().ok().filter(|v| *v > 0.0).map(|v| v.round() as u32);
    match (attr("width").and_then(num), attr("height").and_then(num)) {
        (Some(w), Some(h)) => Some((w, h)),
        _ => {
            let vb: Vec<f64> = attr("viewBox")?.split([' ', ',']).filter(|v| !v.is_empty()).filter_map(|v| v.parse().ok()).collect();
            (vb.len() == 4 && vb[2] > 0.0 && vb[3] > 0.0).then(|| (vb[2].round() as u32, vb[3].round() as u32))
        }
    }
}

/// An SVG (which may have no size of its own: it then takes the declared one).
pub fn is_svg(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|t| t.contains("<svg"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_sizes_from_attributes_or_view_box() {
        assert_eq!(image_size(br#"<svg xmlns="x" width="800" height="600"><rect/></svg>"#), Some((800, 600)));
        assert_eq!(image_size(br#"<?xml version="1.0"?><svg xmlns="x" viewBox="0 0 120.4 80"></svg>"#), Some((120, 80)));
        assert_eq!(image_size(b"not an image"), None);
        assert_eq!(image_size(br#"<svg width="100%" height="100%"></svg>"#), None);
    }
}
