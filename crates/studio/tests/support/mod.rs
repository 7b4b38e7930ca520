//! What the studio's tests share: waiting for `kaibo serve`'s address, and a keyring session of their own.
// Each test binary uses a part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command};
use std::time::Duration;

/// Reads `child`'s stdout (`kaibo serve` started with it piped) until the line
/// `Kaibo Studio: URL`, waiting up to `patience` for each line, and returns the URL. The rest
/// of stdout keeps being read (and dropped) so the studio never blocks on a full pipe.
pub fn studio_url(child: &mut Child, patience: Duration) -> String {
    let stdout = child.stdout.take().expect("kaibo serve's stdout is piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    loop {
        let line = rx
            .recv_timeout(patience)
            .unwrap_or_else(|_| panic!("kaibo serve prints its URL within {} s", patience.as_secs()));
        if let Some(url) = line.strip_prefix("Kaibo Studio: ") {
            return url.to_owned();
        }
    }
}

/// `127.0.0.1:PORT` of a `http://127.0.0.1:PORT/?token=…` URL.
pub fn addr_of(url: &str) -> String {
    url.trim_start_matches("http://").split('/').next().unwrap_or_default().to_owned()
}

/// Runs the ignored test `test` of the calling test binary again inside a fresh keyutils
/// session keyring (with `flag` set to 1 so it knows), so a test that stores keys never
/// touches the user's keyring and works on a machine with none. Fails unless it passed.
pub fn in_a_keyring_session(test: &str, flag: &str) {
    let exe = std::env::current_exe().expect("test binary");
    let output = Command::new("keyctl")
        .args(["session", "-"])
        .arg(exe)
        .args([test, "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env(flag, "1")
        .env("KAIBO_KEYRING", "keyutils")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .output()
        .expect("keyctl is missing: apt-get install keyutils (make test does)");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success() && text.contains("1 passed"), "{test} failed:\n{text}");
}
