//! The desktop shell's locks, read from the files Tauri builds the app from: a real CSP whose
//! `connect-src` reaches only Tauri's IPC, no global Tauri object for page scripts, and a
//! window capability that grants exactly the studio commands the UI calls (as registered in
//! src-tauri and given permissions in build.rs), plus event listening, and nothing else.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::Path;

fn repo_file(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

fn config() -> serde_json::Value {
    serde_json::from_str(&repo_file("tauri.conf.json")).unwrap()
}

/// The CSP's directives, whether written as one string or as an object.
fn csp_directives() -> Vec<(String, Vec<String>)> {
    let csp = &config()["app"]["security"]["csp"];
    let split = |sources: &str| sources.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    match csp {
        serde_json::Value::String(text) => text
            .split(';')
            .filter_map(|d| {
                let mut words = d.split_whitespace();
                Some((words.next()?.to_owned(), words.map(str::to_owned).collect()))
            })
            .collect(),
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(name, sources)| {
                let sources = match sources {
                    serde_json::Value::Array(list) => list.iter().filter_map(|s| s.as_str()).flat_map(split).collect(),
                    other => split(other.as_str().unwrap_or_default()),
                };
                (name.clone(), sources)
            })
            .collect(),
        other => panic!("app.security.csp must be a policy, not {other}"),
    }
}

fn directive(name: &str) -> Vec<String> {
    csp_directives()
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, sources)| sources)
        .unwrap_or_else(|| panic!("the CSP has no {name}"))
}

#[test]
fn the_csp_limits_connections_to_tauri_ipc_and_scripts_to_the_app() {
    let connect: BTreeSet<String> = directive("connect-src").into_iter().collect();
    let allowed: BTreeSet<String> = ["ipc:", "http://ipc.localhost", "'self'"].map(str::to_owned).into();
    assert!(connect.is_subset(&allowed), "connect-src reaches beyond the studio: {connect:?}");
    assert!(connect.contains("ipc:"), "connect-src must let Tauri's IPC through: {connect:?}");
    assert_eq!(directive("default-src"), ["'self'"]);
    for (name, sources) in csp_directives() {
        for source in &sources {
            assert!(
                !matches!(source.as_str(), "'unsafe-eval'" | "*" | "http:" | "https:" | "ws:" | "wss:" | "data:"),
                "{name} allows {source}"
            );
        }
        if name == "script-src" {
            assert!(!sources.iter().any(|s| s == "'unsafe-inline'"), "inline scripts allowed");
        }
    }
    assert!(!config()["app"]["security"].get("dangerousDisableAssetCspModification").is_some_and(|v| v != false));
}

#[test]
fn no_global_tauri_object() {
    let global = &config()["app"]["withGlobalTauri"];
    assert!(global.is_null() || global == false, "withGlobalTauri is {global}");
    assert!(!repo_file("ui/src/transport/tauri.ts").contains("__TAURI__"), "the UI still reads window.__TAURI__");
}

/// Names between the quotes in `text` after each `marker`.
fn quoted_after(text: &str, marker: &str) -> BTreeSet<String> {
    text.match_indices(marker)
        .filter_map(|(at, _)| {
            let rest = &text[at + marker.len()..];
            let start = rest.find('"')? + 1;
            let end = start + rest[start..].find('"')?;
            Some(rest[start..end].to_owned())
        })
        .collect()
}

#[test]
fn the_window_may_call_exactly_the_commands_the_ui_calls() {
    let config = config();
    let capabilities = config["app"]["security"]["capabilities"].as_array().unwrap();
    assert_eq!(capabilities.len(), 1, "one capability, for the studio window");
    let capability = &capabilities[0];
    assert_eq!(capability["windows"], serde_json::json!(["main"]));
    let permissions: BTreeSet<String> =
        capability["permissions"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_owned()).collect();
    assert!(!permissions.iter().any(|p| p.ends_with(":default") || p == "core:default"), "{permissions:?}");

    // The commands the UI's Tauri transport calls...
    let ui = quoted_after(&repo_file("ui/src/transport/tauri.ts"), "this.call<");
    assert_eq!(ui, ["studio_command", "studio_preview_frame", "studio_state"].map(str::to_owned).into());
    // ...are the ones the shell registers and build.rs gives permissions to...
    let lib = repo_file("src-tauri/lib.rs");
    let handler = lib.split("generate_handler![").nth(1).and_then(|r| r.split(']').next()).unwrap();
    let registered: BTreeSet<String> =
        handler.split(',').map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()).collect();
    assert_eq!(registered, ui, "src-tauri/lib.rs registers other commands than the UI calls");
    let build = repo_file("src-tauri/build.rs");
    let listed = build.split(".commands(&[").nth(1).and_then(|r| r.split(']').next()).unwrap();
    let listed: BTreeSet<String> =
        listed.split(',').map(|c| c.trim().trim_matches('"').to_owned()).filter(|c| !c.is_empty()).collect();
    assert_eq!(listed, ui, "build.rs gives permissions to other commands than the UI calls");
    // ...and the capability allows those, plus listening to the studio's event, nothing more.
    let mut expected: BTreeSet<String> = ui.iter().map(|c| format!("allow-{}", c.replace('_', "-"))).collect();
    expected.extend(["core:event:allow-listen".to_owned(), "core:event:allow-unlisten".to_owned()]);
    assert_eq!(permissions, expected);
}
