//! A QR code of a join link, as SVG: drawn here, so the page needs no
//! third-party script and its CSP stays as it is (`img-src 'self'`).

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// The SVG of `url`, or `None` if it is too long for a QR code (a join
/// link never is).
pub fn svg(url: &str) -> Option<String> {
    // Medium error correction: still reads from a screen at an angle.
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).ok()?;
    Some(
        code.render::<svg::Color<'_>>()
            .min_dimensions(200, 200)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .quiet_zone(true)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_join_link_is_a_small_svg() {
        let svg = super::svg("https://video.example.com/join/ABCDEFGHJKMNPQRSTV").unwrap();
        assert!(svg.starts_with("<?xml") && svg.contains("<svg") && svg.ends_with("</svg>"), "{svg}");
        assert!(!svg.contains("<script"));
        assert!(svg.len() < 40_000, "{} bytes", svg.len());
    }
}
