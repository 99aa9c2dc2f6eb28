//! Pixel sizes read from image files, so that a page never shows a photo with a wrong aspect
//! ratio: raster formats from their headers, SVG from its `width`/`height` or `viewBox`.

/// `(width, height)` of a raster image or SVG as it is shown, or `None` when the bytes are
/// neither. A JPEG whose orientation tag turns it a quarter (a phone's portrait photo, stored on
/// its side) is measured turned, as viewers and the build's renderings show it.
pub fn image_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if let Ok(s) = imagesize::blob_size(bytes) {
        let (w, h) = (s.width as u32, s.height as u32);
        let turned = matches!(jpeg_orientation(bytes), Some(5..=8));
        return Some(if turned { (h, w) } else { (w, h) }).filter(|(w, h)| *w > 0 && *h > 0);
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

/// The EXIF orientation tag (1-8) of a JPEG, from its APP1 segment's first image directory.
fn jpeg_orientation(bytes: &[u8]) -> Option<u16> {
    let mut at = 2;
    if bytes.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    // Segments up to the first scan: each is FF, a marker, and a big-endian length.
    while let (Some(&0xFF), Some(&marker)) = (bytes.get(at), bytes.get(at + 1)) {
        let len = usize::from(u16::from_be_bytes([*bytes.get(at + 2)?, *bytes.get(at + 3)?]));
        let segment = bytes.get(at + 4..at + 2 + len)?;
        if marker == 0xE1 && segment.starts_with(b"Exif\0\0") {
            let tiff = &segment[6..];
            let le = tiff.get(..2)? == b"II";
            let u16_at = |i: usize| tiff.get(i..i + 2).map(|b| if le { u16::from_le_bytes([b[0], b[1]]) } else { u16::from_be_bytes([b[0], b[1]]) });
            let u32_at = |i: usize| {
                tiff.get(i..i + 4)
                    .map(|b| if le { u32::from_le_bytes([b[0], b[1], b[2], b[3]]) } else { u32::from_be_bytes([b[0], b[1], b[2], b[3]]) })
            };
            let ifd = u32_at(4)? as usize;
            let entries = usize::from(u16_at(ifd)?);
            return (0..entries.min(512)).map(|i| ifd + 2 + 12 * i).find(|&e| u16_at(e) == Some(0x0112)).and_then(|e| u16_at(e + 8));
        }
        if marker == 0xDA {
            return None;
        }
        at += 2 + len;
    }
    None
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

    /// A JPEG of `w × h` stored pixels with an EXIF orientation tag (big- or little-endian).
    fn jpeg(w: u16, h: u16, orientation: u16, le: bool) -> Vec<u8> {
        let two = |v: u16| if le { v.to_le_bytes() } else { v.to_be_bytes() };
        let four = |v: u32| if le { v.to_le_bytes() } else { v.to_be_bytes() };
        let mut tiff: Vec<u8> = if le { b"II".to_vec() } else { b"MM".to_vec() };
        tiff.extend(two(42));
        tiff.extend(four(8));
        tiff.extend(two(1));
        tiff.extend(two(0x0112));
        tiff.extend(two(3));
        tiff.extend(four(1));
        tiff.extend(two(orientation));
        tiff.extend([0, 0]);
        tiff.extend(four(0));
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend(tiff);
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
        out.extend(((app1.len() + 2) as u16).to_be_bytes());
        out.extend(app1);
        // A baseline frame header with the stored size, then the end.
        out.extend([0xFF, 0xC0, 0, 17, 8]);
        out.extend(h.to_be_bytes());
        out.extend(w.to_be_bytes());
        out.extend([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xFF, 0xD9]);
        out
    }

    #[test]
    fn a_phone_photo_stored_on_its_side_is_measured_upright() {
        assert_eq!(image_size(&jpeg(4032, 3024, 6, false)), Some((3024, 4032)));
        assert_eq!(image_size(&jpeg(4032, 3024, 8, true)), Some((3024, 4032)));
        assert_eq!(image_size(&jpeg(4032, 3024, 1, true)), Some((4032, 3024)));
        assert_eq!(image_size(&jpeg(4032, 3024, 3, false)), Some((4032, 3024)), "upside down: same size");
        assert_eq!(jpeg_orientation(b"\xFF\xD8\xFF\xE1\x00"), None, "cut short");
    }
}
