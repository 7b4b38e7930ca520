//! Reading a show from JSON, with errors that name the field and say what is wrong.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::error::Category;

use crate::error::{plain_io_reason, Problem, ShowError, ROOT_PATH};
use crate::model::{CameraLayer, CountdownLayer, ImageLayer, LookLayer, ProductCardLayer, Show, TextLayer};

impl Show {
    /// Parses and validates a show. `base_dir` is the folder relative paths in the show
    /// (images, LUTs) resolve against. Every problem found is reported, each with its field
    /// path; JSON syntax errors give the line and column instead.
    pub fn parse(json: &str, base_dir: &Path) -> Result<Show, ShowError> {
        let mut show = deserialize(json)?;
        show.base_dir = base_dir.to_path_buf();
        show.validate()?;
        Ok(show)
    }

    /// Reads, parses and validates a show file. Its `base_dir` is the file's folder, made
    /// absolute.
    pub fn load(path: &Path) -> Result<Show, ShowError> {
        let json = std::fs::read_to_string(path).map_err(|e| ShowError::unreadable(path, &e))?;
        let absolute = std::path::absolute(path).map_err(|e| {
            ShowError::single(
                path.display().to_string(),
                format!("cannot find the file's folder: {}", plain_io_reason(&e)),
            )
        })?;
        let base_dir = absolute.parent().unwrap_or(Path::new("/"));
        Show::parse(&json, base_dir)
    }
}

/// One step of a field path: a field name or a list index.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Field(String),
    Index(usize),
}

fn steps_of(path: &serde_path_to_error::Path) -> Vec<Step> {
    use serde_path_to_error::Segment;
    path.iter()
        .map(|segment| match segment {
            Segment::Seq { index } => Step::Index(*index),
            Segment::Map { key } => Step::Field(key.clone()),
            Segment::Enum { variant } => Step::Field(variant.clone()),
            Segment::Unknown => Step::Field("?".to_owned()),
        })
        .collect()
}

/// `scenes[0].layers[3].rect`; the whole document is `(show)`.
fn path_text(steps: &[Step]) -> String {
    let mut text = String::new();
    for step in steps {
        match step {
            Step::Index(index) => text.push_str(&format!("[{index}]")),
            Step::Field(name) => {
                if !text.is_empty() {
                    text.push('.');
                }
                text.push_str(name);
            }
        }
    }
    if text.is_empty() {
        ROOT_PATH.to_owned()
    } else {
        text
    }
}

fn deserialize(json: &str) -> Result<Show, ShowError> {
    if json.trim().is_empty() {
        return Err(ShowError::single(
            ROOT_PATH,
            "the show is empty; expected a JSON object with at least \"canvas\" and \"scenes\"",
        ));
    }
    if json.trim_start().starts_with('[') {
        // serde would take a list as the show's fields in order; no one means that.
        return Err(ShowError::single(ROOT_PATH, "expected an object, found a list; a show is a JSON object {...}"));
    }
    let mut deserializer = serde_json::Deserializer::from_str(json);
    match serde_path_to_error::deserialize::<_, Show>(&mut deserializer) {
        Ok(show) => match deserializer.end() {
            Ok(()) => Ok(show),
            Err(error) => Err(ShowError { problems: vec![syntax_problem(&[], &error)] }),
        },
        Err(error) => {
            let steps = steps_of(error.path());
            let error = error.into_inner();
            let problem = match error.classify() {
                Category::Data => refine_layer_error(json, &steps)
                    .unwrap_or_else(|| data_problem(steps, &strip_position(&error.to_string()))),
                Category::Syntax | Category::Eof | Category::Io => syntax_problem(&steps, &error),
            };
            Err(ShowError { problems: vec![problem] })
        }
    }
}

/// `"... at line 3 column 7"` -> `"..."`.
fn strip_position(message: &str) -> String {
    if let Some(at) = message.rfind(" at line ") {
        let tail = &message[at + " at line ".len()..];
        let mut words = tail.split(' ');
        let is_position = matches!(
            (words.next(), words.next(), words.next(), words.next()),
            (Some(line), Some("column"), Some(column), None)
                if line.parse::<usize>().is_ok() && column.parse::<usize>().is_ok()
        );
        if is_position {
            return message[..at].to_owned();
        }
    }
    message.to_owned()
}

fn syntax_problem(steps: &[Step], error: &serde_json::Error) -> Problem {
    let (line, column) = (error.line(), error.column());
    let message = strip_position(&error.to_string());
    if message == "number out of range" {
        // The one "syntax" error that belongs to a field: 1e400 is infinite.
        return Problem::new(
            path_text(steps),
            format!("is not a finite number: it is too large (line {line}, column {column})"),
        );
    }
    let plain = if message.starts_with("EOF while parsing") {
        "the text ends before the JSON is complete (is something cut off or a bracket missing?)".to_owned()
    } else {
        match message.as_str() {
            "trailing comma" => "a comma before a closing bracket is not allowed in JSON".to_owned(),
            "trailing characters" => "unexpected text after the end of the show object".to_owned(),
            "key must be a string" => "field names must be in double quotes".to_owned(),
            "expected value" => {
                "expected a value (a number, a string in double quotes, true, false, null, a list or an object)"
                    .to_owned()
            }
            "recursion limit exceeded" => "the JSON is nested too deeply".to_owned(),
            other => other.to_owned(),
        }
    };
    Problem::new(ROOT_PATH, format!("invalid JSON at line {line}, column {column}: {plain}"))
}

/// serde reads a whole layer before it knows its kind, so an error inside a layer loses its
/// field path. Read the layer again on its own to find the field.
fn refine_layer_error(json: &str, steps: &[Step]) -> Option<Problem> {
    let [Step::Field(scenes), Step::Index(scene), Step::Field(layers), Step::Index(layer)] = steps else {
        return None;
    };
    if scenes != "scenes" || layers != "layers" {
        return None;
    }
    let document: serde_json::Value = serde_json::from_str(json).ok()?;
    let mut fields = document.get("scenes")?.get(*scene)?.get("layers")?.get(*layer)?.as_object()?.clone();
    let kind = fields.remove("kind")?;
    let fields = serde_json::Value::Object(fields);
    let (inner_steps, message) = match kind.as_str()? {
        "camera" => inner_error::<CameraLayer>(fields)?,
        "image" => inner_error::<ImageLayer>(fields)?,
        "text" => inner_error::<TextLayer>(fields)?,
        "product_card" => inner_error::<ProductCardLayer>(fields)?,
        "look" => inner_error::<LookLayer>(fields)?,
        "countdown" => inner_error::<CountdownLayer>(fields)?,
        "color" => inner_error::<crate::model::ColorLayer>(fields)?,
        "media" => inner_error::<crate::model::MediaLayer>(fields)?,
        "screen" => inner_error::<crate::model::ScreenLayer>(fields)?,
        _ => return None,
    };
    let mut full = steps.to_vec();
    full.extend(inner_steps);
    Some(data_problem(full, &message))
}

fn inner_error<T: DeserializeOwned>(value: serde_json::Value) -> Option<(Vec<Step>, String)> {
    let error = serde_path_to_error::deserialize::<_, T>(value).err()?;
    Some((steps_of(error.path()), error.inner().to_string()))
}

const LAYER_KINDS: &str = "camera, image, text, product_card, look, countdown, color, media, screen";

/// Turns serde's message into plain words, moving the field name into the path when serde
/// names it in the message (missing and unknown fields).
fn data_problem(mut steps: Vec<Step>, message: &str) -> Problem {
    // A destination's strings may be a stream key pasted in the wrong place: never echo them.
    let secret = steps.first() == Some(&Step::Field("destinations".to_owned()));
    let message = if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (value, expected) = split_quoted(rest);
        if secret {
            format!("unknown value; expected one of {expected}")
        } else if expected == LAYER_KINDS {
            if steps.last() != Some(&Step::Field("kind".to_owned())) {
                steps.push(Step::Field("kind".to_owned()));
            }
            format!("unknown layer kind \"{value}\"; expected one of {expected}")
        } else {
            format!("unknown value \"{value}\"; expected one of {expected}")
        }
    } else if let Some(rest) = message.strip_prefix("unknown field `") {
        let (field, expected) = split_quoted(rest);
        if steps.last() != Some(&Step::Field(field.clone())) {
            steps.push(Step::Field(field.clone()));
        }
        if expected.is_empty() {
            format!("\"{field}\" is not a known field; nothing else is allowed here")
        } else {
            format!("\"{field}\" is not a known field here; expected one of {expected}")
        }
    } else if let Some(rest) = message.strip_prefix("missing field `") {
        steps.push(Step::Field(rest.trim_end_matches('`').to_owned()));
        "is required".to_owned()
    } else if let Some(rest) = message.strip_prefix("duplicate field `") {
        steps.push(Step::Field(rest.trim_end_matches('`').to_owned()));
        "is given more than once".to_owned()
    } else if let Some(rest) =
        message.strip_prefix("invalid type: ").or_else(|| message.strip_prefix("invalid value: "))
    {
        match rest.rsplit_once(", expected ") {
            Some((found, expected)) => {
                let found =
                    if secret && found.starts_with("string ") { "a string".to_owned() } else { plain_found(found) };
                format!("expected {}, found {found}", plain_expected(expected))
            }
            None => rest.to_owned(),
        }
    } else if let Some(rest) = message.strip_prefix("invalid length ") {
        match rest.split_once(", expected ") {
            Some((found, expected)) => {
                format!("expected {}, found {found} items", plain_expected(expected))
            }
            None => message.to_owned(),
        }
    } else {
        message.to_owned()
    };
    Problem::new(path_text(&steps), message)
}

/// `` videox`, expected one of `camera`, `image` `` -> (`videox`, `camera, image`).
fn split_quoted(rest: &str) -> (String, String) {
    for marker in ["`, expected one of ", "`, expected "] {
        if let Some(at) = rest.rfind(marker) {
            let value = rest[..at].to_owned();
            let expected = rest[at + marker.len()..].replace('`', "");
            return (value, expected);
        }
    }
    // "`, there are no variants" / "`, there are no fields"
    let value = match rest.rfind("`, there are no") {
        Some(at) => &rest[..at],
        None => rest.trim_end_matches('`'),
    };
    (value.to_owned(), String::new())
}

fn plain_expected(expected: &str) -> String {
    match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number (0 or more)".to_owned(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".to_owned(),
        "f32" | "f64" => "a number".to_owned(),
        "a boolean" => "true or false".to_owned(),
        "a sequence" => "a list".to_owned(),
        "a map" => "an object".to_owned(),
        "internally tagged enum Layer" => "a layer: an object with a \"kind\"".to_owned(),
        "variant identifier" => "one of the allowed names".to_owned(),
        other if other.starts_with("struct ") => "an object".to_owned(),
        other => match other.strip_prefix("an array of length ") {
            Some(n) => format!("a list of {n} items"),
            None => other.to_owned(),
        },
    }
}

fn plain_found(found: &str) -> String {
    let unquote = |text: &str| text.trim_matches('`').to_owned();
    if let Some(text) = found.strip_prefix("string ") {
        return format!("the string {text}");
    }
    for prefix in ["integer ", "floating point ", "boolean "] {
        if let Some(value) = found.strip_prefix(prefix) {
            return unquote(value);
        }
    }
    match found {
        "map" => "an object".to_owned(),
        "sequence" => "a list".to_owned(),
        "unit" | "null" => "null".to_owned(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(json: &str) -> ShowError {
        match deserialize(json) {
            Ok(show) => panic!("parsed: {show:?}"),
            Err(error) => error,
        }
    }

    #[test]
    fn positions_are_stripped_only_when_they_are_positions() {
        assert_eq!(strip_position("trailing comma at line 3 column 7"), "trailing comma");
        assert_eq!(strip_position("unknown field `at line x`"), "unknown field `at line x`");
    }

    #[test]
    fn destination_values_are_never_echoed() {
        let json = r#"{"canvas": {"width": 1280, "height": 720, "fps": 30}, "scenes": [],
            "destinations": [{"id": "a", "platform": "rtmp://h/app/SECRETKEY", "url": "x"}]}"#;
        let error = error_of(json);
        assert_eq!(error.problems[0].path, "destinations[0].platform");
        assert!(!error.to_string().contains("SECRETKEY"), "{error}");
        let json = r#"{"canvas": {"width": 1280, "height": 720, "fps": 30}, "scenes": [],
            "destinations": [{"id": "a", "platform": "custom", "url": "x", "enabled": "SECRETKEY"}]}"#;
        let error = error_of(json);
        assert_eq!(error.problems[0].path, "destinations[0].enabled");
        assert_eq!(error.problems[0].message, "expected true or false, found a string");
    }

    #[test]
    fn root_type_errors() {
        let error = error_of("[1, 2]");
        assert_eq!(error.problems[0].path, ROOT_PATH);
        assert!(error.problems[0].message.starts_with("expected an object, found a list"));
        let error = error_of("\"show\"");
        assert_eq!(error.problems[0].path, ROOT_PATH);
        assert_eq!(error.problems[0].message, "expected an object, found the string \"show\"");
    }

    #[test]
    fn layer_errors_keep_their_field_path() {
        let json = r#"{"canvas": {"width": 1280, "height": 720, "fps": 30},
            "scenes": [{"id": "a", "layers": [
                {"kind": "camera", "id": "c"},
                {"kind": "text", "id": "t", "text": "hi", "rect": [0, 0, "1", 1]}]}]}"#;
        let error = error_of(json);
        assert_eq!(error.problems[0].path, "scenes[0].layers[1].rect[2]");
        assert_eq!(error.problems[0].message, "expected a number, found the string \"1\"");
    }
}
