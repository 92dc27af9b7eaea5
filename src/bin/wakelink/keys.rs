//! `wakelink keys`: API keys of a deployment (an `admin` key is needed): list, create,
//! revoke. A new key is printed once, on stdout, and never again.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::{json, Value};

use crate::operator::{cell, print_json, render, segment, Operator, Output, Target};
use crate::{fail, Fail};

#[derive(Args)]
pub(crate) struct KeysArgs {
    #[command(subcommand)]
    command: KeysCommand,
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Every key, revoked ones too.
    List(Target),
    /// Create a key; prints the key itself on stdout (shown this once).
    Create {
        /// What the key is for, e.g. "app backend".
        #[arg(long)]
        name: String,
        /// read, write, conversions (app backends: conversions and opens only) or admin;
        /// repeat for more than one.
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        #[command(flatten)]
        target: Target,
    },
    /// Revoke a key at once (it stays listed as revoked).
    Revoke {
        /// The key's id (12 hex digits, the ID column of `keys list`).
        id: String,
        #[command(flatten)]
        target: Target,
    },
}

const HEADER: [&str; 6] = ["ID", "NAME", "SCOPES", "CREATED", "LAST USED", "REVOKED"];

fn row(k: &Value) -> Vec<String> {
    [
        "id",
        "name",
        "scopes",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    .iter()
    .map(|f| cell(k.get(*f)))
    .collect()
}

pub(crate) fn keys(args: KeysArgs) -> Result<ExitCode, Fail> {
    match args.command {
        KeysCommand::List(t) => {
            let keys = Operator::new(&t)?.list("/api/v1/keys", "keys")?;
            let rows: Vec<Vec<String>> = keys.iter().map(row).collect();
            render(&t, &HEADER, &rows, &Value::Array(keys))?;
        }
        KeysCommand::Create {
            name,
            scopes,
            target,
        } => {
            let body = json!({ "name": name, "scopes": scopes }).to_string();
            let made = Operator::new(&target)?
                .call("POST", "/api/v1/keys", Some(body.as_bytes()))?
                .unwrap_or(Value::Null);
            let Some(key) = made.get("key").and_then(Value::as_str) else {
                return fail("POST /api/v1/keys: the answer holds no key");
            };
            if target.output() == Output::Json {
                print_json(&made)?;
            } else {
                eprint!("{}", crate::operator::table(&HEADER, &[row(&made)]));
                eprintln!("the key is shown this once; store it now:");
                println!("{key}");
            }
        }
        KeysCommand::Revoke { id, target } => {
            Operator::new(&target)?.call(
                "DELETE",
                &format!("/api/v1/keys/{}", segment(&id)),
                None,
            )?;
            eprintln!("revoked key {id}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
