//! Reading `requestData` the way obs-websocket does, with its status codes: 300 for a missing
//! field, 401 for one of the wrong type, 403 for an empty string.

use obs_websocket::{status, Reply};
use serde_json::Value;

use crate::protocol::{ErrorKind, StudioError};

pub fn text<'a>(data: &'a Value, field: &str) -> Result<&'a str, Reply> {
    match data.get(field) {
        None | Some(Value::Null) => Err(Reply::error(status::MISSING_REQUEST_FIELD, format!("missing field {field}"))),
        Some(Value::String(s)) if s.is_empty() => {
            Err(Reply::error(status::REQUEST_FIELD_EMPTY, format!("{field} is empty")))
        }
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(Reply::error(status::INVALID_REQUEST_FIELD_TYPE, format!("{field} must be a string"))),
    }
}

pub fn optional_text<'a>(data: &'a Value, field: &str) -> Result<Option<&'a str>, Reply> {
    match data.get(field) {
        None | Some(Value::Null) => Ok(None),
        _ => text(data, field).map(Some),
    }
}

pub fn flag(data: &Value, field: &str) -> Result<bool, Reply> {
    match data.get(field) {
        None | Some(Value::Null) => Err(Reply::error(status::MISSING_REQUEST_FIELD, format!("missing field {field}"))),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(Reply::error(status::INVALID_REQUEST_FIELD_TYPE, format!("{field} must be true or false"))),
    }
}

pub fn integer(data: &Value, field: &str) -> Result<i64, Reply> {
    match data.get(field) {
        None | Some(Value::Null) => Err(Reply::error(status::MISSING_REQUEST_FIELD, format!("missing field {field}"))),
        Some(v) => v
            .as_i64()
            .ok_or_else(|| Reply::error(status::INVALID_REQUEST_FIELD_TYPE, format!("{field} must be a whole number"))),
    }
}

pub fn number(data: &Value, field: &str) -> Result<Option<f64>, Reply> {
    match data.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .map(Some)
            .ok_or_else(|| Reply::error(status::INVALID_REQUEST_FIELD_TYPE, format!("{field} must be a number"))),
    }
}

/// A studio refusal as OBS would code it, with the studio's own words as the comment.
pub fn refusal(error: StudioError) -> Reply {
    let code = match error.kind {
        ErrorKind::NotFound => status::RESOURCE_NOT_FOUND,
        ErrorKind::BadRequest => status::INVALID_REQUEST_FIELD,
        ErrorKind::WrongPhase => status::INVALID_RESOURCE_STATE,
        ErrorKind::Blocked => status::CANNOT_ACT,
        ErrorKind::Unauthorized => status::CANNOT_ACT,
        ErrorKind::Vault | ErrorKind::Engine | ErrorKind::Internal => status::REQUEST_PROCESSING_FAILED,
    };
    Reply::error(code, error.message)
}
