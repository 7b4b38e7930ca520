//! Reads tauri.conf.json (beside the root Cargo.toml) and embeds the built UI (ui/dist).
fn main() {
    tauri_build::build();
}
