//! Pure domain: no worker, web-sys or I/O. Parse, decide, describe.

pub mod agent;
pub mod applinks;
pub mod auth;
pub mod clickid;
pub mod code;
pub mod conversion;
pub mod decide;
pub mod event;
pub mod eventlog;
pub mod funnel;
pub mod hints;
pub mod ip;
pub mod landing;
pub mod ledger;
pub mod link;
pub mod networks;
pub mod openapp;
pub mod problem;
pub mod qr;
pub mod route;
pub mod signals;
pub mod step;
pub mod time;
pub mod token;
pub mod ua_rules;
pub mod visitor;
