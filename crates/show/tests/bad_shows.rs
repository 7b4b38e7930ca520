//! The table of broken shows in `tests/fixtures/bad_shows.json`: each must be refused with
//! a problem at the expected field path, in the expected words.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use show::{Show, ShowError};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BadShow {
    name: String,
    /// A whole show, written out as JSON text before parsing.
    #[serde(default)]
    show: Option<serde_json::Value>,
    /// Text given to the parser as it is, for syntax errors and numbers JSON cannot hold.
    #[serde(default)]
    raw: Option<String>,
    /// Files in `tests/fixtures` the case relies on.
    #[serde(default)]
    files: Vec<String>,
    expect_path: String,
    expect_message: String,
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn cases() -> Vec<BadShow> {
    let file = fixtures().join("bad_shows.json");
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not valid: {e}", file.display()))
}

#[test]
fn every_bad_show_is_refused_with_the_expected_problem() {
    let base_dir = fixtures();
    let cases = cases();
    assert!(cases.len() >= 20, "the table should cover at least 20 kinds of mistakes");
    let mut failures = Vec::new();
    for case in &cases {
        for file in &case.files {
            assert!(base_dir.join(file).exists(), "{}: fixture file {file} is missing", case.name);
        }
        let json = match (&case.show, &case.raw) {
            (Some(show), None) => show.to_string(),
            (None, Some(raw)) => raw.clone(),
            _ => panic!("{}: give exactly one of \"show\" and \"raw\"", case.name),
        };
        let error: ShowError = match Show::parse(&json, &base_dir) {
            Ok(_) => {
                failures.push(format!("{}: was accepted", case.name));
                continue;
            }
            Err(error) => error,
        };
        let found =
            error.problems.iter().any(|p| p.path == case.expect_path && p.message.contains(&case.expect_message));
        if !found {
            failures.push(format!(
                "{}: expected `{}: ...{}...`, got:\n{error}",
                case.name, case.expect_path, case.expect_message
            ));
        } else if error.problems.len() != 1 {
            // Each case breaks one thing; more problems mean the base show itself is wrong.
            failures.push(format!("{}: expected one problem, got:\n{error}", case.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn case_names_are_unique() {
    let cases = cases();
    let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "duplicate case names in bad_shows.json");
}

/// Whatever the input, the parser answers with a show or an error, never a panic.
#[test]
fn garbage_and_truncated_input_never_panics() {
    let base_dir = fixtures();
    let demo = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/shows/demo.json"))
        .expect("read demo.json");

    // Every prefix of a real show (on char boundaries, so it stays a &str).
    let mut checked = 0;
    for (at, _) in demo.char_indices() {
        let result = Show::parse(&demo[..at], &base_dir);
        assert!(result.is_err(), "a truncated show was accepted at byte {at}");
        checked += 1;
    }
    assert!(checked > 1000);

    let deep = "[".repeat(10_000);
    let deep_objects = "{\"a\":".repeat(10_000);
    let garbage = [
        "",
        " ",
        "null",
        "0",
        "-1e400",
        "\"\"",
        "[]",
        "{}",
        "{",
        "}",
        "{\"canvas\":",
        "{\"canvas\": null, \"scenes\": null}",
        "{\"scenes\": [{\"id\": \"a\", \"layers\": [{\"kind\": 5}]}]}",
        "{\"scenes\": [{\"id\": \"a\", \"layers\": [{\"kind\": null}]}]}",
        "{\"scenes\": [{\"id\": \"a\", \"layers\": [{\"kind\": \"text\", \"rect\": {}}]}]}",
        "{\"scenes\": [{\"id\": \"a\", \"layers\": [[\"camera\"]]}]}",
        "{\"canvas\": {\"width\": 1e400}}",
        "{\"canvas\": {\"width\": 18446744073709551616}}",
        "{\"canvas\": {\"width\": NaN}}",
        "{\"canvas\": {\"width\": Infinity}}",
        "\u{feff}{}",
        "{\"\u{0}\": 1}",
        "{\"name\": \"\\ud800\"}",
        "\u{1F389}\u{1F389}",
        "双十一",
        &deep,
        &deep_objects,
    ];
    for text in garbage {
        assert!(Show::parse(text, &base_dir).is_err(), "{text:.40} was accepted");
    }

    // Bytes from a small deterministic generator, and the demo with bytes flipped.
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let alphabet = b"{}[]:,\"\\ 0123456789.eE+-truefalsnul\n\tabc";
    for _ in 0..2000 {
        let len = (next() % 64) as usize;
        let text: String = (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize] as char).collect();
        let _ = Show::parse(&text, &base_dir);
    }
    let bytes = demo.as_bytes();
    for _ in 0..300 {
        let mut mutated = bytes.to_vec();
        for _ in 0..3 {
            let at = (next() % mutated.len() as u64) as usize;
            mutated[at] = alphabet[(next() % alphabet.len() as u64) as usize];
        }
        if let Ok(text) = String::from_utf8(mutated) {
            let _ = Show::parse(&text, &base_dir);
        }
    }
}
