//! The vault round-trips through the real OS keyring (the kernel's keyutils), the way a
//! streamer uses it headless: `kaibo secret set NAME` reads the key from stdin, the studio
//! finds it by name, `kaibo secret rm NAME` removes it.
//!
//! Both Linux backends are proven, each in a throwaway keyring so the user's own is never
//! touched: keyutils in a fresh session keyring (`keyctl session -`), and the Secret Service
//! in a private D-Bus session with an unlocked gnome-keyring and a temporary HOME. The outer
//! tests re-run this test binary inside each.

use std::io::Write;
use std::process::{Command, Stdio};

use studio::vault::{use_backend, Backend, Vault, VaultError};

const INSIDE: &str = "KAIBO_VAULT_TEST_INSIDE_SESSION";

fn kaibo(args: &[&str], stdin: &str) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kaibo"))
        .env("KAIBO_KEYRING", std::env::var("KAIBO_KEYRING").unwrap_or_default())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run kaibo");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    let output = child.wait_with_output().expect("kaibo finishes");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

#[test]
fn secrets_round_trip_in_a_keyutils_session() {
    let exe = std::env::current_exe().expect("test binary");
    let output = Command::new("keyctl")
        .arg("session")
        .arg("-")
        .arg(exe)
        .args(["round_trip_inside_session", "--exact", "--ignored", "--nocapture"])
        .env(INSIDE, "1")
        .env("KAIBO_KEYRING", "keyutils")
        .output()
        .expect("keyctl is missing: apt-get install keyutils (make test does)");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success() && text.contains("1 passed"), "the keyutils round trip failed:\n{text}");
}

#[test]
fn secrets_round_trip_in_the_secret_service() {
    let home = tempfile::tempdir().expect("temp home");
    let exe = std::env::current_exe().expect("test binary");
    // gnome-keyring creates and unlocks a "login" keyring from the password on stdin (a
    // truly empty one does not create it), inside a D-Bus session that ends with the test.
    let script = format!(
        "printf 'kaibo-test\\n' | gnome-keyring-daemon --unlock --components=secrets >/dev/null && \
         exec '{}' round_trip_inside_session --exact --ignored --nocapture",
        exe.display()
    );
    let output = Command::new("dbus-run-session")
        .args(["--", "sh", "-c", &script])
        .env(INSIDE, "1")
        .env("KAIBO_KEYRING", "secret-service")
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_RUNTIME_DIR", home.path())
        .output()
        .expect("dbus-run-session is missing: apt-get install dbus gnome-keyring (make test does)");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success() && text.contains("1 passed"), "the Secret Service round trip failed:\n{text}");
}

/// Runs only inside the session keyring the test above makes.
#[test]
#[ignore = "run by the secrets_round_trip_* tests inside a throwaway keyring"]
fn round_trip_inside_session() {
    assert!(std::env::var_os(INSIDE).is_some(), "run through the secrets_round_trip_* tests");
    use_backend(Backend::from_environment());
    let name = "kaibo-test-bilibili";
    let key = "live_98765_zyxwv?streamname=a&key=b";
    let (ok, text) = kaibo(&["secret", "set", name], &format!("{key}\n"));
    assert!(ok, "kaibo secret set failed: {text}");
    assert!(!text.contains(key), "kaibo never prints the secret: {text}");
    assert_eq!(Vault.get(name).expect("stored"), key, "the trailing newline is not part of the key");

    let (ok, text) = kaibo(&["secret", "set", name], "");
    assert!(!ok && text.contains("no secret on standard input"), "{text}");

    let (ok, text) = kaibo(&["secret", "rm", name], "");
    assert!(ok, "kaibo secret rm failed: {text}");
    assert!(matches!(Vault.get(name), Err(VaultError::NotFound(_))));
    let (ok, _) = kaibo(&["secret", "rm", name], "");
    assert!(ok, "removing a missing secret is not an error");
}
