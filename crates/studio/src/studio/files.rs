//! What the studio writes to disk: the show file (stream keys typed inline go into the keyring
//! first) and the session report.

use std::path::PathBuf;

use show::SecretRef;

use super::{blocking, destination_secret, Inner, Studio};
use crate::destinations::split_key;
use crate::protocol::{CommandReply, ErrorKind, StudioError};
use crate::said;

/// The report's language: the one asked for when it has words for it, else LANG's.
fn report_lang(asked: Option<&str>) -> report::Lang {
    asked.and_then(report::Lang::parse).unwrap_or_else(report::Lang::from_env)
}

impl Studio {
    /// The session report as one HTML page (for `GET /api/report`), in `lang` (`zh-CN`,
    /// `en`), else in the studio's language (LANG).
    pub async fn report_html(&self, lang: Option<&str>) -> Result<String, StudioError> {
        let lang = report_lang(lang);
        let (files, flusher) = {
            let inner = self.inner.lock().await;
            (inner.log.files().cloned(), inner.log.flusher())
        };
        let files = files.ok_or_else(|| StudioError::said(ErrorKind::WrongPhase, said::NO_SESSION_DATA.say(&[])))?;
        blocking(move || {
            flusher.flush();
            report::SessionData::load(&files.database, files.session).map(|data| data.to_html_in(lang))
        })
        .await?
        .map_err(|e| StudioError::new(ErrorKind::Internal, format!("the report could not be made: {e}")))
    }
}

impl Inner {
    pub(super) fn show_file(&self) -> PathBuf {
        self.config.show_file.clone().unwrap_or_else(|| crate::show_file::default_path(&self.show))
    }

    pub(super) async fn save_show(&mut self) -> Result<CommandReply, StudioError> {
        self.file_inline_keys().await?;
        let (show, path) = (self.show.clone(), self.show_file());
        let written = path.clone();
        blocking(move || crate::show_file::save(&show, &path))
            .await?
            .map_err(|e| StudioError::new(ErrorKind::Internal, e))?;
        Ok(CommandReply::said(said::SHOW_SAVED.say(&[("path", &written.display())])))
    }

    /// Moves stream keys typed inside destination URLs (a show opened with them) into the
    /// keyring, so the saved file refers to them by name.
    async fn file_inline_keys(&mut self) -> Result<(), StudioError> {
        let moves: Vec<(usize, String, String, String)> = self
            .show
            .destinations
            .iter()
            .enumerate()
            .filter(|(_, d)| d.key.is_none())
            .filter_map(|(i, d)| split_key(&d.url).map(|(base, key)| (i, destination_secret(&d.id), base, key)))
            .collect();
        for (index, secret, base, key) in moves {
            let vault = self.vault.clone();
            let name = secret.clone();
            blocking(move || vault.set(&name, &key)).await?.map_err(|e| {
                StudioError::new(ErrorKind::Vault, format!("the stream key could not be moved into the keyring: {e}"))
            })?;
            let destination = &mut self.show.destinations[index];
            destination.url = base;
            destination.key = Some(SecretRef { secret });
        }
        Ok(())
    }

    pub(super) async fn write_report(&mut self, lang: Option<&str>) -> Result<CommandReply, StudioError> {
        let lang = report_lang(lang);
        let files = self
            .log
            .files()
            .cloned()
            .ok_or_else(|| StudioError::said(ErrorKind::WrongPhase, said::NO_SESSION_DATA.say(&[])))?;
        let flusher = self.log.flusher();
        let written = blocking(move || -> Result<PathBuf, String> {
            flusher.flush();
            let data = report::SessionData::load(&files.database, files.session).map_err(|e| e.to_string())?;
            let folder = files.database.parent().unwrap_or(std::path::Path::new(".")).join("reports");
            std::fs::create_dir_all(&folder).map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
            let html = folder.join(format!("session-{}.html", files.session));
            std::fs::write(&html, data.to_html_in(lang))
                .map_err(|e| format!("cannot write {}: {e}", html.display()))?;
            let json = html.with_extension("json");
            std::fs::write(&json, data.to_json()).map_err(|e| format!("cannot write {}: {e}", json.display()))?;
            data.to_csv_files(&html.with_extension("csv")).map_err(|e| e.to_string())?;
            Ok(html)
        })
        .await?
        .map_err(|e| StudioError::new(ErrorKind::Internal, format!("the report could not be written: {e}")))?;
        Ok(CommandReply::said(said::REPORT_SAVED.say(&[("path", &written.display())])))
    }
}
