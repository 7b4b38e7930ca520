//! The JSON Schema of a show file, for editors and outside tools.

use crate::model::Show;

/// The JSON Schema (draft 2020-12) of a show file. The committed copy is
/// `crates/show/show.schema.json`; a test keeps it in step with the code.
pub fn json_schema() -> serde_json::Value {
    schemars::schema_for!(Show).to_value()
}

#[cfg(test)]
mod tests {
    use super::json_schema;
    use std::path::Path;

    /// Run with `KAIBO_BLESS=1 cargo test -p show` to rewrite the committed schema.
    #[test]
    fn committed_schema_is_up_to_date() {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("show.schema.json");
        let generated = json_schema();
        let mut pretty = serde_json::to_string_pretty(&generated).expect("a schema serializes");
        pretty.push('\n');
        if std::env::var_os("KAIBO_BLESS").is_some() {
            std::fs::write(&file, pretty).expect("write show.schema.json");
            return;
        }
        let committed = std::fs::read_to_string(&file).unwrap_or_default();
        let committed: serde_json::Value = serde_json::from_str(&committed).unwrap_or_default();
        assert!(
            committed == generated,
            "{} is missing or out of date with the show model.\n\
             Regenerate it with: KAIBO_BLESS=1 cargo test -p show committed_schema_is_up_to_date\n\
             and commit the result.",
            file.display()
        );
    }

    #[test]
    fn schema_names_the_contract_fields() {
        let text = json_schema().to_string();
        for field in [
            "canvas",
            "scenes",
            "product_card",
            "video_bitrate_kbps",
            "lut_strength",
            "countdown",
            "ended_text",
            "run_of_show",
            "talking_points",
            "safe_slate",
            "delay_seconds",
            "stock",
        ] {
            assert!(text.contains(field), "{field} missing from the schema");
        }
        assert!(!text.contains("base_dir"), "base_dir is not part of the file format");
    }
}
