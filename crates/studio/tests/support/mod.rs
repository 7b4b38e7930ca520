//! What the `kaibo serve` tests share: waiting for the studio's address.

use std::io::{BufRead, BufReader};
use std::process::Child;
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
