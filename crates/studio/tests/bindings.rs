//! Drift check: the committed TypeScript bindings in `ui/src/bindings/` must be exactly what
//! the Rust protocol types generate. Regenerate with
//! `KAIBO_WRITE_BINDINGS=1 cargo test -p studio --test bindings`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn committed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings")
}

fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return BTreeMap::new() };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "ts"))
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            (name, text)
        })
        .collect()
}

#[test]
fn typescript_bindings_match_the_rust_protocol() {
    if std::env::var_os("KAIBO_WRITE_BINDINGS").is_some() {
        let dir = committed_dir();
        if dir.exists() {
            std::fs::remove_dir_all(&dir).expect("clear ui/src/bindings");
        }
        studio::bindings::export_bindings(&dir).expect("write bindings");
        return;
    }
    let fresh = tempfile::tempdir().expect("temp dir");
    studio::bindings::export_bindings(fresh.path()).expect("generate bindings");
    let generated = read_dir(fresh.path());
    let committed = read_dir(&committed_dir());
    assert!(!generated.is_empty(), "ts-rs generated no bindings");
    let mut problems = Vec::new();
    for (name, text) in &generated {
        match committed.get(name) {
            None => problems.push(format!("{name} is missing")),
            Some(old) if old != text => problems.push(format!("{name} differs")),
            Some(_) => {}
        }
    }
    for name in committed.keys().filter(|n| !generated.contains_key(*n)) {
        problems.push(format!("{name} is no longer generated"));
    }
    assert!(
        problems.is_empty(),
        "ui/src/bindings is out of date with crates/studio/src/protocol.rs ({}).\n\
         Regenerate with: KAIBO_WRITE_BINDINGS=1 cargo test -p studio --test bindings",
        problems.join(", ")
    );
}
