//! Reads tauri.conf.json (beside the root Cargo.toml) and embeds the built UI (ui/dist).
//! The app's own commands get permissions (`allow-studio-state`, ...) from this list, so the
//! window's capability in tauri.conf.json can name exactly the ones it calls.
fn main() {
    let commands = tauri_build::AppManifest::new().commands(&["studio_state", "studio_command", "studio_preview_frame"]);
    if let Err(error) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(commands)) {
        // Cargo shows a build script's panic message: the reason the app cannot be built.
        panic!("tauri-build: {error:#}");
    }
}
