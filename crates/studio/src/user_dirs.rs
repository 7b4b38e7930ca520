//! Where the user's own files go, as the XDG base directories say (through the `dirs`
//! crate): shows in `~/.config/kaibo/shows`, sessions and media in `~/.local/share/kaibo`,
//! recordings in `~/Videos/Kaibo` (the XDG videos folder when one is set).

use std::path::PathBuf;

/// `$XDG_CONFIG_HOME/kaibo/shows`, else `~/.config/kaibo/shows` (`./kaibo/shows` without a
/// home).
pub fn shows_dir() -> PathBuf {
    dirs::config_dir().unwrap_or_default().join("kaibo").join("shows")
}

/// Sessions (`sessions.db`), reports and uploaded media: `$KAIBO_DATA_DIR`, else
/// `$XDG_DATA_HOME/kaibo`, else `~/.local/share/kaibo` (`./kaibo` without a home).
pub fn data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("KAIBO_DATA_DIR").filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    dirs::data_dir().unwrap_or_default().join("kaibo")
}

/// Recordings: `Kaibo` in the XDG videos folder (`XDG_VIDEOS_DIR` of `user-dirs.dirs`),
/// else `~/Videos/Kaibo`; `None` without a home.
pub fn recordings_dir() -> Option<PathBuf> {
    let videos = dirs::video_dir().or_else(|| Some(dirs::home_dir()?.join("Videos")))?;
    Some(videos.join("Kaibo"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::process::Command;

    /// Each case in a child process of this test binary, with its own environment (the
    /// variables are process-wide; setting them here would race the other tests).
    fn in_child(case: &str, env: &[(&str, &std::path::Path)]) {
        let mut command = Command::new(std::env::current_exe().unwrap());
        command.args(["--exact", case, "--nocapture", "--test-threads=1"]).env("KAIBO_USER_DIRS_CHILD", "1");
        for var in ["XDG_CONFIG_HOME", "XDG_DATA_HOME", "KAIBO_DATA_DIR"] {
            command.env_remove(var);
        }
        command.envs(env.iter().map(|(k, v)| (*k, v.as_os_str())));
        let output = command.output().unwrap();
        assert!(output.status.success(), "{case}: {}", String::from_utf8_lossy(&output.stdout));
    }

    fn is_child() -> bool {
        std::env::var_os("KAIBO_USER_DIRS_CHILD").is_some()
    }

    #[test]
    fn the_xdg_defaults_under_home() {
        if !is_child() {
            let home = tempfile::tempdir().unwrap();
            return in_child("user_dirs::tests::the_xdg_defaults_under_home", &[("HOME", home.path())]);
        }
        let home = PathBuf::from(std::env::var_os("HOME").unwrap());
        assert_eq!(shows_dir(), home.join(".config/kaibo/shows"));
        assert_eq!(data_dir(), home.join(".local/share/kaibo"));
        assert_eq!(recordings_dir(), Some(home.join("Videos/Kaibo")));
    }

    #[test]
    fn the_xdg_variables_and_the_videos_folder_are_followed() {
        if !is_child() {
            let home = tempfile::tempdir().unwrap();
            let config = home.path().join("conf");
            std::fs::create_dir_all(&config).unwrap();
            std::fs::write(config.join("user-dirs.dirs"), "XDG_VIDEOS_DIR=\"$HOME/Filme\"\n").unwrap();
            let data = home.path().join("data");
            return in_child(
                "user_dirs::tests::the_xdg_variables_and_the_videos_folder_are_followed",
                &[("HOME", home.path()), ("XDG_CONFIG_HOME", &config), ("XDG_DATA_HOME", &data)],
            );
        }
        let home = PathBuf::from(std::env::var_os("HOME").unwrap());
        assert_eq!(shows_dir(), home.join("conf/kaibo/shows"));
        assert_eq!(data_dir(), home.join("data/kaibo"));
        assert_eq!(recordings_dir(), Some(home.join("Filme/Kaibo")));
    }
}
