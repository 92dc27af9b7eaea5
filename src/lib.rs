//! wakelink: an edge tracker for SMS and email re-engagement campaigns.
//!
//! - [`domain`] is pure Rust: it parses requests into checked types, decides what to do and
//!   describes events. It builds and tests natively with no feature.
//! - `worker` (feature `worker`) is the Cloudflare Workers glue: the only code naming `worker::`.
//! - `sdk` (feature `sdk`) is the browser facade exported through wasm-bindgen.

pub mod domain;

#[cfg(feature = "worker")]
mod worker;

#[cfg(feature = "sdk")]
mod sdk;
