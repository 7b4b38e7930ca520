//! `Show::parse` fed arbitrary JSON, mutated valid shows and mangled text: it never panics,
//! and every error it gives names where (a field path, `(show)`, or a line and column).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::{Map, Value};
use show::Show;

fn shows_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/shows")
}

fn demo_text() -> String {
    std::fs::read_to_string(shows_dir().join("demo.json")).unwrap()
}

fn demo_value() -> Value {
    serde_json::from_str(&demo_text()).unwrap()
}

/// Parses and checks the contract: no panic (proptest catches one), and an error names
/// where each problem is and what it is.
fn parse_and_check(json: &str) -> Result<(), TestCaseError> {
    match Show::parse(json, &shows_dir()) {
        Ok(_) => Ok(()),
        Err(error) => {
            prop_assert!(
                !error.problems.is_empty(),
                "an error with no problem for {json:?}"
            );
            for problem in &error.problems {
                // A field may be called " " (an unknown one the producer typed): named as it is.
                prop_assert!(
                    !problem.path.is_empty(),
                    "a problem with no field: {problem:?}"
                );
                prop_assert!(
                    !problem.message.trim().is_empty(),
                    "a problem with no words: {problem:?}"
                );
            }
            Ok(())
        }
    }
}

/// Field names the show format uses, so random objects hit real fields often.
const FIELDS: &[&str] = &[
    "name",
    "canvas",
    "width",
    "height",
    "fps",
    "scenes",
    "id",
    "layers",
    "kind",
    "rect",
    "path",
    "text",
    "color",
    "product",
    "products",
    "price",
    "currency",
    "url",
    "stock",
    "sold",
    "looks",
    "lut",
    "destinations",
    "platform",
    "key",
    "secret",
    "enabled",
    "delay_seconds",
    "encoding",
    "run_of_show",
    "items",
    "card",
    "visible",
    "look",
    "device",
    "logo",
    "safe_slate",
    "image",
    "target",
    "font_size",
    "opacity",
    "video_bitrate_kbps",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop_oneof![Just(0.0), Just(-1.0), Just(0.5), Just(1.0), Just(1e300)]
            .prop_map(|f: f64| Value::from(f)),
        "\\PC{0,24}".prop_map(Value::String),
        prop::sample::select(FIELDS).prop_map(|s| Value::String(s.to_owned())),
        prop::sample::select(
            &[
                "camera",
                "image",
                "text",
                "product_card",
                "look",
                "countdown",
                "custom",
                "rtmp://h/a/k"
            ][..]
        )
        .prop_map(|s| Value::String(s.to_owned())),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![4 => prop::sample::select(FIELDS).prop_map(str::to_owned), 1 => "\\PC{0,12}"]
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// One change somewhere in a value: `path` picks the node (numbers taken modulo the
/// children there), `op` what happens to it.
#[derive(Debug, Clone)]
enum Mutation {
    Replace(Value),
    Remove,
    Insert(String, Value),
    Duplicate,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => arbitrary_json().prop_map(Mutation::Replace),
        2 => Just(Mutation::Remove),
        2 => (key(), arbitrary_json()).prop_map(|(k, v)| Mutation::Insert(k, v)),
        1 => Just(Mutation::Duplicate),
    ]
}

fn mutate(value: &mut Value, path: &[usize], change: Mutation) {
    let (step, rest) = match path.split_first() {
        Some(split) => split,
        None => {
            apply_here(value, None, change);
            return;
        }
    };
    match value {
        Value::Object(map) if !map.is_empty() => {
            let index = step % map.len();
            let name = map.keys().nth(index).cloned().unwrap();
            if rest.is_empty() || !matches!(map[&name], Value::Object(_) | Value::Array(_)) {
                apply_in_object(map, &name, change);
            } else {
                mutate(map.get_mut(&name).unwrap(), rest, change);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let index = step % items.len();
            if rest.is_empty() || !matches!(items[index], Value::Object(_) | Value::Array(_)) {
                match change {
                    Mutation::Replace(v) => items[index] = v,
                    Mutation::Remove => {
                        items.remove(index);
                    }
                    Mutation::Insert(_, v) => items.insert(index, v),
                    Mutation::Duplicate => {
                        let copy = items[index].clone();
                        items.push(copy);
                    }
                }
            } else {
                mutate(&mut items[index], rest, change);
            }
        }
        _ => apply_here(value, None, change),
    }
}

fn apply_in_object(map: &mut Map<String, Value>, name: &str, change: Mutation) {
    match change {
        Mutation::Replace(v) => {
            map.insert(name.to_owned(), v);
        }
        Mutation::Remove => {
            map.remove(name);
        }
        Mutation::Insert(k, v) => {
            map.insert(k, v);
        }
        Mutation::Duplicate => {
            if let Some(Value::Array(items)) = map.get_mut(name) {
                if let Some(first) = items.first().cloned() {
                    items.push(first);
                }
            }
        }
    }
}

fn apply_here(value: &mut Value, _: Option<()>, change: Mutation) {
    if let Mutation::Replace(v) = change {
        *value = v;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_json_values_never_panic(value in arbitrary_json()) {
        parse_and_check(&value.to_string())?;
    }

    #[test]
    fn arbitrary_objects_with_a_canvas_never_panic(mut value in arbitrary_json(), w in any::<i64>(), fps in any::<i64>()) {
        // Past the first field so validation (not only deserialization) runs on odd input.
        if let Value::Object(map) = &mut value {
            map.insert("canvas".into(), serde_json::json!({ "width": w, "height": 360, "fps": fps }));
        }
        parse_and_check(&value.to_string())?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_valid_shows_never_panic(
        changes in prop::collection::vec((prop::collection::vec(any::<usize>(), 0..6), mutation()), 1..4)
    ) {
        let mut value = demo_value();
        for (path, change) in changes {
            mutate(&mut value, &path, change);
        }
        parse_and_check(&value.to_string())?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mangled_show_text_never_panics(cut in any::<usize>(), at in any::<usize>(), c in any::<char>(), drop in 0usize..4) {
        let text = demo_text();
        let chars: Vec<char> = text.chars().collect();
        let mut chars = chars[..cut % (chars.len() + 1)].to_vec();
        if !chars.is_empty() {
            let at = at % chars.len();
            chars[at] = c;
            for _ in 0..drop.min(chars.len() - at - 1) {
                chars.remove(at + 1);
            }
        }
        parse_and_check(&chars.into_iter().collect::<String>())?;
    }
}

#[test]
fn the_demo_show_itself_parses() {
    assert!(Show::parse(&demo_text(), &shows_dir()).is_ok());
}
