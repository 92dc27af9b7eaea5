//! QR codes of links, drawn as one SVG path at the edge (no third-party service, no script).
//! The encoding is the `qrcodegen` crate's; this module only turns its modules into a path.

use qrcodegen::{QrCode, QrCodeEcc};

/// Modules of white border around the symbol, as the standard asks.
pub const QUIET_ZONE: i32 = 4;

/// A QR symbol as SVG: `viewBox="0 0 {size} {size}"` and one path of dark modules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrSvg {
    /// Width and height in modules, quiet zone included.
    pub size: i32,
    /// `M{x} {y}h{w}v1h-{w}z` for each horizontal run of dark modules.
    pub path: String,
}

/// Encodes `text` in byte mode at error-correction level M (`None` if it is too long for any
/// version). Byte mode only: URLs need it anyway, and the other modes cost worker size.
///
/// ```
/// let qr = wakelink::domain::qr::svg("https://go.example.com/demo").unwrap();
/// assert_eq!(qr.size, 29 + 8); // version 3: 27 bytes at level M
/// assert!(qr.path.starts_with("M4 4h7v1h-7z"));
/// ```
pub fn svg(text: &str) -> Option<QrSvg> {
    let qr = QrCode::encode_binary(text.as_bytes(), QrCodeEcc::Medium).ok()?;
    let n = qr.size();
    let mut path = String::with_capacity((n * n) as usize);
    for y in 0..n {
        let mut x = 0;
        while x < n {
            if !qr.get_module(x, y) {
                x += 1;
                continue;
            }
            let start = x;
            while x < n && qr.get_module(x, y) {
                x += 1;
            }
            let w = x - start;
            path.push_str(&format!(
                "M{} {}h{w}v1h-{w}z",
                start + QUIET_ZONE,
                y + QUIET_ZONE
            ));
        }
    }
    Some(QrSvg {
        size: n + 2 * QUIET_ZONE,
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Redraws the path into a grid, to compare with the encoder's own modules.
    fn raster(svg: &QrSvg) -> Vec<Vec<bool>> {
        let n = svg.size as usize;
        let mut grid = vec![vec![false; n]; n];
        for cmd in svg.path.split('z').filter(|c| !c.is_empty()) {
            let rest = cmd.strip_prefix('M').unwrap();
            let (xy, tail) = rest.split_once('h').unwrap();
            let (x, y) = xy.split_once(' ').unwrap();
            let w = tail.split_once('v').unwrap().0;
            let (x, y, w): (usize, usize, usize) =
                (x.parse().unwrap(), y.parse().unwrap(), w.parse().unwrap());
            for cell in &mut grid[y][x..x + w] {
                assert!(!*cell, "runs overlap");
                *cell = true;
            }
        }
        grid
    }

    #[test]
    fn the_path_draws_exactly_the_encoders_modules() {
        for text in [
            "https://go.example.com/demo",
            "https://go.example.com/spring-recall-2026/3kTMd9aQx1",
            "HELLO",
            &format!("https://go.example.com/{}", "x".repeat(300)),
        ] {
            let svg = svg(text).unwrap();
            let qr = QrCode::encode_binary(text.as_bytes(), QrCodeEcc::Medium).unwrap();
            let grid = raster(&svg);
            let q = QUIET_ZONE as usize;
            for (y, row) in grid.iter().enumerate() {
                for (x, &dark) in row.iter().enumerate() {
                    let inside = (q..q + qr.size() as usize).contains(&x)
                        && (q..q + qr.size() as usize).contains(&y);
                    let want = inside && qr.get_module((x - q) as i32, (y - q) as i32);
                    assert_eq!(dark, want, "{text}: module ({x},{y})");
                }
            }
        }
    }

    #[test]
    fn finder_patterns_sit_in_three_corners() {
        let svg = svg("https://go.example.com/demo").unwrap();
        let g = raster(&svg);
        let q = QUIET_ZONE as usize;
        let n = svg.size as usize - 2 * q;
        for (ox, oy) in [(q, q), (q + n - 7, q), (q, q + n - 7)] {
            // 7x7 dark ring, light ring inside, 3x3 dark core.
            for i in 0..7 {
                assert!(g[oy][ox + i] && g[oy + 6][ox + i] && g[oy + i][ox] && g[oy + i][ox + 6]);
            }
            assert!(!g[oy + 1][ox + 1] && g[oy + 3][ox + 3]);
        }
    }

    #[test]
    fn too_long_is_none() {
        assert_eq!(svg(&"x".repeat(3000)), None);
    }
}
