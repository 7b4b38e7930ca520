//! The `.cube` 3D LUT: parsing the file, and the YUV->YUV table built from it.

use std::path::Path;

use super::imp::{MAX_CUBE_FILE_BYTES, MAX_CUBE_SIZE};
use crate::elements::yuv::YuvModel;

#[derive(Debug, thiserror::Error)]
pub(super) enum CubeError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("the file is {0} bytes, more than a 3D LUT needs")]
    TooBig(u64),
    #[error("line {line}: 1D LUTs ({keyword}) are not supported, use a 3D LUT")]
    OneDimensional { line: usize, keyword: String },
    #[error("line {line}: {message}")]
    Syntax { line: usize, message: String },
    #[error("no LUT_3D_SIZE line: not a 3D .cube LUT")]
    MissingSize,
    #[error("LUT_3D_SIZE {size} needs {expected} table rows, found {found}")]
    WrongCount { size: usize, expected: usize, found: usize },
}

/// A parsed Adobe `.cube` 3D LUT.
#[derive(Debug)]
pub(super) struct Cube {
    pub(super) title: Option<String>,
    pub(super) size: usize,
    pub(super) domain_min: [f32; 3],
    pub(super) domain_max: [f32; 3],
    /// Red varies fastest: index = r + g * size + b * size².
    pub(super) table: Vec<[f32; 3]>,
}

impl Cube {
    pub(super) fn load(path: &Path) -> Result<Self, CubeError> {
        let length = std::fs::metadata(path)?.len();
        if length > MAX_CUBE_FILE_BYTES {
            return Err(CubeError::TooBig(length));
        }
        let text = std::fs::read_to_string(path)?;
        Self::parse(&text)
    }

    pub(super) fn parse(text: &str) -> Result<Self, CubeError> {
        let mut title = None;
        let mut size = None;
        let mut domain_min = [0.0f32; 3];
        let mut domain_max = [1.0f32; 3];
        let mut table: Vec<[f32; 3]> = Vec::new();

        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let content = raw.trim();
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            let syntax = |message: String| CubeError::Syntax { line, message };
            let mut words = content.split_whitespace();
            let first = words.next().unwrap_or_default();
            let starts_number =
                first.chars().next().is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.'));

            if starts_number {
                let Some(size) = size else {
                    return Err(syntax("table data before LUT_3D_SIZE".into()));
                };
                let row = parse_triplet(content).map_err(syntax)?;
                if table.len() == size * size * size {
                    return Err(syntax(format!(
                        "more than the {} table rows LUT_3D_SIZE {size} needs",
                        size * size * size
                    )));
                }
                table.push(row);
                continue;
            }

            let rest = content[first.len()..].trim();
            match first {
                "TITLE" => title = Some(rest.trim_matches('"').to_owned()),
                "LUT_1D_SIZE" | "LUT_1D_INPUT_RANGE" => {
                    return Err(CubeError::OneDimensional { line, keyword: first.to_owned() })
                }
                "LUT_3D_SIZE" => {
                    if size.is_some() {
                        return Err(syntax("LUT_3D_SIZE given twice".into()));
                    }
                    let n: usize =
                        rest.parse().map_err(|_| syntax(format!("LUT_3D_SIZE '{rest}' is not a whole number")))?;
                    if !(2..=MAX_CUBE_SIZE).contains(&n) {
                        return Err(syntax(format!("LUT_3D_SIZE {n} is outside the supported 2..={MAX_CUBE_SIZE}")));
                    }
                    table.reserve_exact(n * n * n);
                    size = Some(n);
                }
                "DOMAIN_MIN" => domain_min = parse_triplet(rest).map_err(syntax)?,
                "DOMAIN_MAX" => domain_max = parse_triplet(rest).map_err(syntax)?,
                "LUT_3D_INPUT_RANGE" => {
                    // Resolve's variant of DOMAIN_MIN/MAX: "min max" for all channels.
                    let v: Vec<f32> = rest.split_whitespace().filter_map(|w| w.parse().ok()).collect();
                    let [lo, hi] = v[..] else {
                        return Err(syntax("LUT_3D_INPUT_RANGE needs two numbers".into()));
                    };
                    domain_min = [lo; 3];
                    domain_max = [hi; 3];
                }
                _ if first.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') => {
                    // Vendor keywords (LUT_IN_VIDEO_RANGE and the like) carry
                    // nothing we use.
                }
                _ => return Err(syntax(format!("unexpected '{first}'"))),
            }
        }

        let size = size.ok_or(CubeError::MissingSize)?;
        if (0..3).any(|c| domain_min[c] >= domain_max[c]) {
            return Err(CubeError::Syntax {
                line: 0,
                message: format!("DOMAIN_MIN {domain_min:?} is not below DOMAIN_MAX {domain_max:?}"),
            });
        }
        let expected = size * size * size;
        if table.len() != expected {
            return Err(CubeError::WrongCount { size, expected, found: table.len() });
        }
        Ok(Self { title, size, domain_min, domain_max, table })
    }

    /// Trilinear sample at `rgb`, clamped to the domain.
    pub(super) fn sample(&self, rgb: [f32; 3]) -> [f32; 3] {
        let n = self.size;
        let last = (n - 1) as f32;
        let mut base = [0usize; 3];
        let mut frac = [0f32; 3];
        for c in 0..3 {
            let t = (rgb[c] - self.domain_min[c]) / (self.domain_max[c] - self.domain_min[c]);
            let p = t.clamp(0.0, 1.0) * last;
            let i = (p.floor() as usize).min(n - 2);
            base[c] = i;
            frac[c] = p - i as f32;
        }
        let at = |r: usize, g: usize, b: usize| self.table[r + g * n + b * n * n];
        let mut out = [0f32; 3];
        for (db, wb) in [(0, 1.0 - frac[2]), (1, frac[2])] {
            for (dg, wg) in [(0, 1.0 - frac[1]), (1, frac[1])] {
                for (dr, wr) in [(0, 1.0 - frac[0]), (1, frac[0])] {
                    let w = wr * wg * wb;
                    let v = at(base[0] + dr, base[1] + dg, base[2] + db);
                    for c in 0..3 {
                        out[c] += w * v[c];
                    }
                }
            }
        }
        out
    }

    pub(super) fn clamp_to_domain(&self, rgb: [f32; 3]) -> [f32; 3] {
        std::array::from_fn(|c| rgb[c].clamp(self.domain_min[c], self.domain_max[c]))
    }
}

pub(super) fn parse_triplet(text: &str) -> Result<[f32; 3], String> {
    let mut out = [0f32; 3];
    let mut words = text.split_whitespace();
    for slot in &mut out {
        let word = words.next().ok_or_else(|| format!("expected three numbers, found '{text}'"))?;
        let value: f32 = word.parse().map_err(|_| format!("'{word}' is not a number"))?;
        if !value.is_finite() {
            return Err(format!("'{word}' is not a finite number"));
        }
        *slot = value;
    }
    if words.next().is_some() {
        return Err(format!("expected three numbers, found '{text}'"));
    }
    Ok(out)
}

/// The `.cube` LUT as YUV->YUV tables, built once per file, strength,
/// colorimetry or tone change.
///
/// Scheme: the LUT's effect is sampled on a grid of 65 luma levels (every 4
/// codes) x 33 x 33 chroma levels (every 8 codes). Each node stores the
/// *change* the LUT makes there (`lut_strength * (cube(rgb) - rgb)`, in YUV
/// codes), not the output, so an identity LUT is exact and smooth LUTs lose
/// little to the coarse grid. Out-of-gamut nodes take the change of their
/// clamped colour. From that grid:
///
/// - luma: for each chroma node, a full 256-entry table (linear along Y, the
///   brightness/contrast table folded in). A pixel looks up the table of the
///   chroma node nearest its 2x2 block's chroma: one lookup per pixel.
/// - chroma: per 2x2 block, bilinear in U and V at the luma node nearest the
///   block's mean luma (four lookups per block), then the saturation/warmth
///   tables.
pub(super) struct YuvLut {
    /// Luma change at each node, `[u][v][y]`.
    pub(super) dy: Vec<i16>,
    /// Chroma change at each node, `[u][v][y]`.
    pub(super) duv: Vec<[i16; 2]>,
    /// Output luma, `[u][v][256]`, with the tone table applied.
    pub(super) luma: Vec<u8>,
}

pub(super) const LUT_Y_NODES: usize = 65;
pub(super) const LUT_C_NODES: usize = 33;
/// Distance in `duv` between neighbouring V nodes and U nodes.
pub(super) const LUT_V_STEP: usize = LUT_Y_NODES;
pub(super) const LUT_U_STEP: usize = LUT_C_NODES * LUT_Y_NODES;

impl YuvLut {
    /// Returns `None` when the LUT changes no node, so the pass can be skipped.
    pub(super) fn build(cube: &Cube, model: &YuvModel, strength: f32, y_table: &[u8; 256]) -> Option<Self> {
        let nodes = LUT_C_NODES * LUT_C_NODES * LUT_Y_NODES;
        let mut dy = Vec::with_capacity(nodes);
        let mut duv = Vec::with_capacity(nodes);
        for ui in 0..LUT_C_NODES {
            for vi in 0..LUT_C_NODES {
                for yi in 0..LUT_Y_NODES {
                    let rgb = model.to_rgb((yi * 4) as f32, (ui * 8) as f32, (vi * 8) as f32);
                    let clamped = cube.clamp_to_domain(rgb);
                    let out = cube.sample(clamped);
                    let delta: [f32; 3] = std::array::from_fn(|c| strength * (out[c] - clamped[c]));
                    let [d_y, d_u, d_v] = model.rgb_delta_to_yuv(delta);
                    let q = |x: f32| x.round().clamp(-255.0, 255.0) as i16;
                    dy.push(q(d_y));
                    duv.push([q(d_u), q(d_v)]);
                }
            }
        }
        let changes = dy.iter().any(|&d| d != 0) || duv.iter().any(|&[u, v]| u != 0 || v != 0);
        if !changes {
            return None;
        }
        let mut lut = Self { dy, duv, luma: Vec::with_capacity(LUT_C_NODES * LUT_C_NODES * 256) };
        lut.fold_tone(y_table);
        Some(lut)
    }

    /// Rebuilds the per-pixel luma tables with a new brightness/contrast table.
    pub(super) fn fold_tone(&mut self, y_table: &[u8; 256]) {
        self.luma.clear();
        for column in self.dy.chunks_exact(LUT_Y_NODES) {
            self.luma.extend((0..=255u8).map(|y| {
                let i = (y >> 2) as usize;
                let f = (y & 3) as i32;
                let d = (column[i] as i32 * (4 - f) + column[i + 1] as i32 * f + 2) >> 2;
                y_table[(y as i32 + d).clamp(0, 255) as usize]
            }));
        }
    }

    /// The output-luma table for the chroma node nearest `(u, v)`.
    #[inline]
    pub(super) fn luma_table(&self, u: u8, v: u8) -> &[u8; 256] {
        let ui = (u as usize + 4) >> 3;
        let vi = (v as usize + 4) >> 3;
        let start = (ui * LUT_C_NODES + vi) * 256;
        self.luma[start..start + 256].try_into().expect("a luma table has 256 entries")
    }

    /// New chroma for a block of mean luma `y` and chroma `(u, v)`.
    #[inline(always)]
    pub(super) fn chroma(&self, y: u8, u: u8, v: u8) -> (u8, u8) {
        let yi = (y as usize + 2) >> 2;
        let (ui, fu) = ((u >> 3) as usize, (u & 7) as i32);
        let (vi, fv) = ((v >> 3) as usize, (v & 7) as i32);
        let start = (ui * LUT_C_NODES + vi) * LUT_Y_NODES + yi;
        // One bounds check for the four corners.
        let cell = &self.duv[start..=start + LUT_U_STEP + LUT_V_STEP];
        let (gu, gv) = (8 - fu, 8 - fv);
        let corners = [
            (cell[0], gu.wrapping_mul(gv)),
            (cell[LUT_V_STEP], gu.wrapping_mul(fv)),
            (cell[LUT_U_STEP], fu.wrapping_mul(gv)),
            (cell[LUT_U_STEP + LUT_V_STEP], fu.wrapping_mul(fv)),
        ];
        // Small values (|delta| <= 255, weights sum to 64): wrapping ops
        // cannot wrap and skip the overflow checks of dev builds.
        let (mut sum_u, mut sum_v) = (32i32, 32i32);
        for ([du, dv], w) in corners {
            sum_u = sum_u.wrapping_add(w.wrapping_mul(du as i32));
            sum_v = sum_v.wrapping_add(w.wrapping_mul(dv as i32));
        }
        let nu = (u as i32).wrapping_add(sum_u >> 6);
        let nv = (v as i32).wrapping_add(sum_v >> 6);
        (nu.clamp(0, 255) as u8, nv.clamp(0, 255) as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elements::look::imp::{ToneSettings, ToneTables};

    fn identity_cube(n: usize) -> Cube {
        let mut text = format!("TITLE \"identity\"\nLUT_3D_SIZE {n}\n");
        for b in 0..n {
            for g in 0..n {
                for r in 0..n {
                    let s = (n - 1) as f32;
                    text += &format!("{} {} {}\n", r as f32 / s, g as f32 / s, b as f32 / s);
                }
            }
        }
        Cube::parse(&text).expect("valid cube")
    }

    #[test]
    fn identity_cube_gives_no_table() {
        let cube = identity_cube(17);
        assert_eq!(cube.title.as_deref(), Some("identity"));
        assert!(YuvLut::build(&cube, &YuvModel::default(), 1.0, &ToneTables::default().y).is_none());
    }

    #[test]
    fn parse_errors_name_the_line() {
        let err = Cube::parse("LUT_3D_SIZE 2\n0 0 0\n1 0 zero\n").expect_err("bad number");
        assert!(err.to_string().contains("line 3"), "{err}");
        let err = Cube::parse("LUT_1D_SIZE 4\n").expect_err("1D");
        assert!(err.to_string().contains("1D"), "{err}");
        let err = Cube::parse("LUT_3D_SIZE 2\n0 0 0\n").expect_err("short");
        assert!(err.to_string().contains("found 1"), "{err}");
        assert!(matches!(Cube::parse("# nothing\n"), Err(CubeError::MissingSize)));
    }

    #[test]
    fn model_round_trip() {
        let model = YuvModel::default();
        let rgb = model.to_rgb(120.0, 100.0, 170.0);
        let back = model.rgb_delta_to_yuv(rgb);
        // Deltas are linear: converting the absolute colour gives it back
        // relative to (black, 128, 128).
        assert!((back[0] + 16.0 - 120.0).abs() < 1e-3);
        assert!((back[1] + 128.0 - 100.0).abs() < 1e-3);
        assert!((back[2] + 128.0 - 170.0).abs() < 1e-3);
    }

    #[test]
    fn unity_tone_is_identity() {
        let tables = ToneTables::new(&ToneSettings::default(), &YuvModel::default());
        assert!(tables.y_identity && tables.uv_identity);
    }
}
