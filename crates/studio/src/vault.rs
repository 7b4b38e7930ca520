//! The vault: stream keys and tokens live in the OS keyring, never in a show file.

use thiserror::Error;

/// The keyring service every Kaibo secret is filed under.
pub const SERVICE: &str = "kaibo-studio";

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
}
