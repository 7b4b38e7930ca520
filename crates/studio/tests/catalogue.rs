//! The studio's message templates (`studio::said`) against the UI's catalogue: each key is in
//! `ui/src/locales/en.json` with the same English, and in `zh-CN.json` with the same
//! arguments, so a message the studio sends always has its words in both languages.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

fn catalogue(lang: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../ui/src/locales/{lang}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("the catalogue is JSON")
}

fn entry<'a>(catalogue: &'a Value, key: &str) -> Option<&'a str> {
    key.split('.').try_fold(&catalogue["studio"], |node, part| node.get(part))?.as_str()
}

fn arguments(text: &str, open: &str, close: &str) -> BTreeSet<String> {
    text.split(open).skip(1).filter_map(|rest| rest.split_once(close).map(|(name, _)| name.to_owned())).collect()
}

#[test]
fn every_message_the_studio_sends_has_its_words_in_both_languages() {
    let (en, zh) = (catalogue("en"), catalogue("zh-CN"));
    let mut problems = Vec::new();
    for template in studio::said::ALL {
        let english = template.english.replace('{', "{{").replace('}', "}}");
        match entry(&en, template.key) {
            Some(text) if text == english => {}
            other => problems.push(format!("en studio.{}: {other:?}, want {english:?}", template.key)),
        }
        match entry(&zh, template.key) {
            Some(text) if arguments(text, "{{", "}}") == arguments(template.english, "{", "}") => {
                if text == english {
                    problems.push(format!("zh-CN studio.{} is still English", template.key));
                }
            }
            other => problems.push(format!("zh-CN studio.{}: {other:?}", template.key)),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn an_error_carries_its_key_its_arguments_and_its_english() {
    let error = studio::protocol::StudioError::not_found("scene", "nope");
    let json = serde_json::to_value(&error).expect("serializable");
    assert_eq!(json["message"], "there is no scene \"nope\" in this show");
    assert_eq!(json["key"], "not_found.scene");
    assert_eq!(json["args"]["id"], "nope");
    // An older client's reading, and an older studio's error, still work.
    let old: studio::protocol::StudioError =
        serde_json::from_value(serde_json::json!({"kind": "bad_request", "message": "x"})).expect("readable");
    assert_eq!(old.key, None);
    let untranslated = serde_json::to_value(studio::protocol::StudioError::bad_request("plain")).expect("serializable");
    assert!(untranslated.get("key").is_none(), "no key is sent when there is none: {untranslated}");
}
