//! `POST /api/media?name=FILE.png`: puts a file into the studio's media folder, the place
//! (beside the show's folder) that commands may name files from.
//!
//! The body is the file's bytes. It is capped at [`MAX_UPLOAD`] (413 above), its type is
//! checked by its first bytes against its name's extension (pictures, video, sound, `.cube`
//! LUTs), the name is a plain file name (no folders, no `..`, no hidden files), and nothing is
//! ever written over: a name already taken gets `-2`, `-3`... before its extension. The file is
//! written to a temporary name and renamed into place once complete, so a half upload never
//! shows. The reply is `{"path": "<absolute path>", "name": "<file name>"}`: the path goes into
//! `add_layer` as it is.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{post, MethodRouter};
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::media_files::{check_type, clean_name, store};
use crate::protocol::{ErrorKind, StudioError};
use crate::studio::Studio;

/// The largest file the route takes: 64 MiB.
pub const MAX_UPLOAD: usize = 64 * 1024 * 1024;

/// The route, with its own body cap (every other route keeps the small default).
pub fn route() -> MethodRouter<Studio> {
    post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD))
}

#[derive(Deserialize)]
pub struct UploadQuery {
    name: Option<String>,
}

#[derive(Serialize)]
struct Uploaded {
    path: String,
    name: String,
}

async fn upload(
    State(studio): State<Studio>,
    Query(query): Query<UploadQuery>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return too_large();
        }
        Err(rejection) => {
            return StudioError::bad_request(format!("the file did not arrive whole ({})", rejection.body_text()))
                .into_response()
        }
    };
    let Some(folder) = studio.media_dir().await else {
        return StudioError::wrong_phase("this studio has no media folder to upload into").into_response();
    };
    let name = match clean_name(query.name.as_deref().unwrap_or_default()) {
        Ok(name) => name,
        Err(message) => return StudioError::bad_request(message).into_response(),
    };
    if let Err(message) = check_type(&name, &body) {
        return StudioError::bad_request(message).into_response();
    }
    let stored = tokio::task::spawn_blocking(move || store(&folder, &name, &body)).await;
    match stored {
        Ok(Ok(path)) => {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            Json(Uploaded { path: path.display().to_string(), name }).into_response()
        }
        Ok(Err(error)) => {
            StudioError::new(ErrorKind::Internal, format!("the file could not be stored: {error}")).into_response()
        }
        Err(error) => StudioError::new(ErrorKind::Internal, format!("a studio task failed: {error}")).into_response(),
    }
}

fn too_large() -> Response {
    let error = StudioError::bad_request(format!(
        "the file is larger than {} MiB, the most the studio takes",
        MAX_UPLOAD >> 20
    ));
    (StatusCode::PAYLOAD_TOO_LARGE, Json(error)).into_response()
}
