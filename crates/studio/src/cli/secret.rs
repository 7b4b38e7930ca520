//! `kaibo secret set NAME` (the secret read from stdin, never from the command line, where
//! it would sit in the shell history and the process list) and `kaibo secret rm NAME`.

use std::io::Read;
use std::process::ExitCode;

use clap::Subcommand;

use crate::vault::Vault;

#[derive(Subcommand, Debug, Clone)]
pub enum SecretCommand {
    /// Store a secret (a stream key, a token) read from standard input.
    Set {
        /// The name a show refers to, as in "key": {"secret": "NAME"}.
        name: String,
    },
    /// Remove a stored secret.
    Rm { name: String },
}

pub fn run(command: SecretCommand) -> ExitCode {
    let vault = Vault;
    match command {
        SecretCommand::Set { name } => {
            let mut secret = String::new();
            if let Err(error) = std::io::stdin().read_to_string(&mut secret) {
                eprintln!("error: cannot read the secret from standard input: {error}");
                return ExitCode::FAILURE;
            }
            // A trailing newline from `echo` or a terminal is not part of a key.
            let secret = secret.trim_end_matches(['\r', '\n']);
            if secret.is_empty() {
                eprintln!("error: no secret on standard input (try: printf %s 'KEY' | kaibo secret set {name})");
                return ExitCode::from(2);
            }
            match vault.set(&name, secret) {
                Ok(()) => {
                    println!("stored secret \"{name}\"");
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("error: {error}");
                    ExitCode::FAILURE
                }
            }
        }
        SecretCommand::Rm { name } => match vault.delete(&name) {
            Ok(()) => {
                println!("removed secret \"{name}\"");
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        },
    }
}
