//! Lighting looks.

use std::path::Path;

use super::Checker;
use crate::model::LightingLook;

impl Checker<'_> {
    pub(super) fn looks(&mut self) {
        let looks = &self.show.looks;
        self.unique_ids("look id", looks.iter().enumerate().map(|(i, l)| (format!("looks[{i}].id"), l.id.as_str())));
        for (i, look) in looks.iter().enumerate() {
            self.look(&format!("looks[{i}]"), look);
        }
    }

    pub(super) fn look(&mut self, path: &str, look: &LightingLook) {
        self.range(&format!("{path}.brightness"), look.brightness, -1.0, 1.0);
        self.range(&format!("{path}.contrast"), look.contrast, 0.0, 2.0);
        self.range(&format!("{path}.saturation"), look.saturation, 0.0, 2.0);
        self.range(&format!("{path}.warmth"), look.warmth, -1.0, 1.0);
        if let Some(vignette) = &look.vignette {
            let path = format!("{path}.vignette");
            self.range(&format!("{path}.strength"), vignette.strength, 0.0, 1.0);
            self.range(&format!("{path}.radius"), vignette.radius, 0.1, 1.5);
            self.range(&format!("{path}.softness"), vignette.softness, 0.0, 1.0);
            let [x, y] = vignette.center;
            self.range(&format!("{path}.center[0]"), x, 0.0, 1.0);
            self.range(&format!("{path}.center[1]"), y, 0.0, 1.0);
        }
        if let Some(lut) = &look.lut {
            let lut_path = format!("{path}.lut");
            if self.not_empty(&lut_path, lut) {
                let file = self.show.resolve(lut);
                let is_cube = Path::new(lut).extension().is_some_and(|e| e.eq_ignore_ascii_case("cube"));
                if !is_cube {
                    self.problem(&lut_path, format!("must be a .cube 3D LUT file, got \"{lut}\""));
                } else if !file.is_file() {
                    self.problem(&lut_path, format!("\"{lut}\" does not exist (looked for {})", file.display()));
                }
            }
        }
        self.range(&format!("{path}.lut_strength"), look.lut_strength, 0.0, 1.0);
    }
}
