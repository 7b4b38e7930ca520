//! The vault: stream keys and tokens live in the OS keyring, never in a show file.

use thiserror::Error;

/// The keyring service every Kaibo secret is filed under.
pub const SERVICE: &str = "kaibo-studio";

/// Which OS keyring holds the secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The desktop's Secret Service (GNOME Keyring, KWallet) over D-Bus: persistent.
    SecretService,
    /// The kernel's key retention service (keyutils): works headless, lives as long as the
    /// login session.
    Keyutils,
}

impl Backend {
    /// `KAIBO_KEYRING=secret-service|keyutils` when set; otherwise the Secret Service when a
    /// D-Bus session exists (a desktop), else keyutils (a server, a CI machine).
    pub fn from_environment() -> Backend {
        match std::env::var("KAIBO_KEYRING").as_deref() {
            Ok("keyutils") => Backend::Keyutils,
            Ok("secret-service") => Backend::SecretService,
            _ if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|a| !a.is_empty()) => Backend::SecretService,
            _ => Backend::Keyutils,
        }
    }
}

/// Makes `backend` the keyring every [`Vault`] uses in this process. Call once at start;
/// without it, the keyring crate's own default applies.
pub fn use_backend(backend: Backend) {
    let builder = match backend {
        Backend::SecretService => keyring::secret_service::default_credential_builder(),
        Backend::Keyutils => keyring::keyutils::default_credential_builder(),
    };
    keyring::set_default_credential_builder(builder);
}

#[derive(Debug, Error)]
pub enum VaultError {
    #[error("no secret named \"{0}\" in the keyring: store it first (kaibo secret set {0})")]
    NotFound(String),
    #[error("the OS keyring is not available ({0})")]
    Unavailable(String),
}

/// Reads and writes secrets in the OS keyring.
#[derive(Debug, Clone, Default)]
pub struct Vault;

impl Vault {
    /// The secret stored under `name`.
    pub fn get(&self, name: &str) -> Result<String, VaultError> {
        let entry = keyring::Entry::new(SERVICE, name).map_err(|e| VaultError::Unavailable(e.to_string()))?;
        match entry.get_password() {
            Ok(secret) => Ok(secret),
            Err(keyring::Error::NoEntry) => Err(VaultError::NotFound(name.to_owned())),
            Err(e) => Err(VaultError::Unavailable(e.to_string())),
        }
    }

    /// Stores `secret` under `name`, replacing what was there.
    pub fn set(&self, name: &str, secret: &str) -> Result<(), VaultError> {
        let entry = keyring::Entry::new(SERVICE, name).map_err(|e| VaultError::Unavailable(e.to_string()))?;
        entry.set_password(secret).map_err(|e| VaultError::Unavailable(e.to_string()))
    }

    /// Removes the secret stored under `name`; removing one that is not there is not an error.
    pub fn delete(&self, name: &str) -> Result<(), VaultError> {
        let entry = keyring::Entry::new(SERVICE, name).map_err(|e| VaultError::Unavailable(e.to_string()))?;
        match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(VaultError::Unavailable(e.to_string())),
        }
    }
}
