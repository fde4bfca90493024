//! TCP keepalive for Rust: std's `set_keepalive` / `keepalive` on stable, plus
//! portable tuning with read-back.
//!
//! Keepalive makes the OS probe the peer of an idle TCP connection. It keeps
//! NATs, firewalls and load balancers from forgetting an idle flow, and it
//! finds peers that vanished without closing (power loss, a cable pulled): the
//! next read fails with [`TimedOut`](std::io::ErrorKind::TimedOut) instead of
//! hanging forever.
//!
//! - [`KeepaliveExt`] adds the methods to `TcpStream`, `TcpListener`, any socket
//!   through [`SocketRef`], and tokio's types with the `tokio` feature.
//! - [`Keepalive`] holds the tuning: idle time, interval, retries, user timeout.
//! - [`Keepalive::for_path`] plans the config for a path that forgets idle
//!   flows (a NAT, a load balancer: [`Middlebox`] lists known ones), with a
//!   bound on dead-peer detection; [`paths`] explains the margin.
//! - [`AcceptKeepalive`] gives every connection a server accepts the same
//!   config, the right way on each OS.
//! - Errors are `io::Error`s that name the setting, the value and the limit;
//!   [`SettingError`] holds the detail.
//!
//! ```
//! use std::io::ErrorKind;
//! use std::net::{TcpListener, TcpStream};
//! use std::time::Duration;
//! use tcp_keepalive::{Keepalive, KeepaliveExt};
//!
//! # fn main() -> std::io::Result<()> {
//! # let listener = TcpListener::bind("127.0.0.1:0")?;
//! let stream = TcpStream::connect(listener.local_addr()?)?;
//!
//! // Exactly std's API (nightly `#![feature(tcp_keepalive)]`):
//! stream.set_keepalive(true)?;
//! assert!(stream.keepalive()?);
//!
//! // Tuning: probe after 60 s idle, every 10 s, give up after 5 misses.
//! let times = Keepalive::new()
//!     .with_idle(Duration::from_secs(60))
//!     .with_interval(Duration::from_secs(10));
//! match stream.set_keepalive_config(&times.with_retries(5)) {
//!     // Windows before 10 1703 has no per-socket probe count. Nothing was
//!     // changed: set the times alone, the system's count applies.
//!     Err(e) if e.kind() == ErrorKind::Unsupported => stream.set_keepalive_config(&times)?,
//!     other => other?,
//! }
//! let effective = stream.keepalive_config()?;
//! # #[cfg(target_os = "linux")]
//! assert_eq!(effective.idle_detection_bound(), Some(Duration::from_secs(110)));
//! # Ok(())
//! # }
//! ```
//!
//! # Where it works
//!
//! `set_keepalive` / `keepalive` work wherever the OS has `SO_KEEPALIVE`: every
//! Unix, Windows and WASI p2. What each OS can tune, in which unit and up to
//! which limit, is in [`platforms`]. Using it from async runtimes: [`runtimes`].

#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod accept;
mod config;
mod error;
mod ext;
mod liveness;
mod middlebox;
mod sys;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub mod tokio;

pub use accept::AcceptKeepalive;
pub use config::Keepalive;

#[doc = include_str!("../docs/platforms.md")]
pub mod platforms {}

#[doc = include_str!("../docs/runtimes.md")]
pub mod runtimes {}

#[doc = include_str!("../docs/paths.md")]
pub mod paths {}

pub use error::{Problem, Setting, SettingError, Value};
pub use ext::{KeepaliveExt, SocketRef};
pub use liveness::Liveness;
pub use middlebox::Middlebox;
