//! `kaibo import obs COLLECTION.json [--profile PROFILE_DIR] --out SHOW.json`: an OBS scene
//! collection as a Kaibo show. Images and media are copied beside the show (`media/`), the
//! profile's stream key goes to the keyring, and what has no equivalent is listed in the
//! report (printed, and written beside the show as `SHOW.import.txt`). The show must pass the
//! same checks as `kaibo check`, or nothing is kept.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;

use crate::vault::Vault;

#[derive(Subcommand, Debug, Clone)]
pub enum ImportCommand {
    /// An OBS Studio scene collection (~/.config/obs-studio/basic/scenes/NAME.json).
    Obs {
        /// The scene collection (JSON).
        collection: PathBuf,
        /// The OBS profile folder (basic/profiles/NAME): the canvas, fps and stream server.
        #[arg(long, value_name = "PROFILE_DIR")]
        profile: Option<PathBuf>,
        /// The show to write (it must not exist).
        #[arg(long, value_name = "SHOW.json")]
        out: PathBuf,
    },
}

pub fn run(command: ImportCommand) -> ExitCode {
    let ImportCommand::Obs { collection, profile, out } = command;
    match import_obs(&collection, profile.as_deref(), &out, &Vault) {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Imports, writes the show and its files, and returns the report.
pub fn import_obs(collection: &Path, profile: Option<&Path>, out: &Path, vault: &Vault) -> Result<String, String> {
    if out.exists() {
        return Err(format!("{} exists: choose another --out (an import never writes over a show)", out.display()));
    }
    let import = obs_import::import_files(collection, profile)?;
    let folder = out.parent().filter(|p| !p.as_os_str().is_empty()).map_or_else(|| PathBuf::from("."), Path::to_owned);
    std::fs::create_dir_all(&folder).map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
    let mut show = import.show;
    let mut written = Vec::new();
    for (from, to) in &import.copies {
        let target = folder.join(to);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        if target.exists() {
            return Err(format!("{} exists: import into an empty folder", target.display()));
        }
        std::fs::copy(from, &target)
            .map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), target.display()))?;
        written.push(target);
    }
    let mut lines = Vec::new();
    if let Some(key) = &import.key {
        let stem = out.file_stem().and_then(|s| s.to_str()).unwrap_or("show");
        let name = format!("obs-import-{stem}");
        vault.set(&name, key).map_err(|e| format!("the profile's stream key could not be kept in the keyring: {e}"))?;
        show["destinations"][0]["key"] = json!({ "secret": name });
        lines.push(format!("the profile's stream key is in the keyring as \"{name}\" (not in the show)"));
    }
    let text = serde_json::to_string_pretty(&show).map_err(|e| e.to_string())?;
    std::fs::write(out, text + "\n").map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    if let Err(problems) = show::Show::load(out) {
        let _ = std::fs::remove_file(out);
        for file in written {
            let _ = std::fs::remove_file(file);
        }
        return Err(format!("the imported show does not pass the show's checks (nothing was kept):\n{problems}"));
    }
    let scenes = show["scenes"].as_array().map_or(0, Vec::len);
    let layers: usize =
        show["scenes"].as_array().into_iter().flatten().map(|s| s["layers"].as_array().map_or(0, Vec::len)).sum();
    let mut report = format!(
        "imported {} into {}: {scenes} scenes, {layers} layers, {} files copied\n",
        collection.display(),
        out.display(),
        import.copies.len()
    );
    for line in lines.iter().chain(&import.notes) {
        report.push_str(&format!("note: {line}\n"));
    }
    for line in &import.skipped {
        report.push_str(&format!("skipped: {line}\n"));
    }
    if import.skipped.is_empty() {
        report.push_str("nothing was skipped\n");
    }
    let report_file = out.with_extension("import.txt");
    std::fs::write(&report_file, &report).map_err(|e| format!("cannot write {}: {e}", report_file.display()))?;
    Ok(report)
}
