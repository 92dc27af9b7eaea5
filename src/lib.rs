//! wakelink: an edge tracker for SMS and email re-engagement campaigns.
//!
//! - [`domain`] is pure Rust: it parses requests into checked types, decides what to do and
//!   describes events. It builds and tests natively with no feature.
//! - `worker` is the Cloudflare Workers glue, the only code naming `worker::`, built as one
//!   of two workers: feature `edge` (what runs on every tap) or feature `ops` (operator API
//!   and the Queue consumer).
//! - `sdk` (feature `sdk`) is the browser facade exported through wasm-bindgen.

pub mod domain;

/// Fuzz targets (native builds only; see `fuzz/` and `scripts/fuzz.sh`).
#[cfg(not(target_arch = "wasm32"))]
pub mod fuzz;

#[cfg(any(feature = "edge", feature = "ops"))]
mod worker;

#[cfg(feature = "sdk")]
mod sdk;
