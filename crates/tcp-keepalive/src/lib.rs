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
//! - Errors are `io::Error`s that name the setting, the value and the limit;
//!   [`SettingError`] holds the detail.
//!
//! ```
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
//! let config = Keepalive::new()
//!     .with_idle(Duration::from_secs(60))
//!     .with_interval(Duration::from_secs(10))
//!     .with_retries(5);
//! stream.set_keepalive_config(&config)?;
//! let effective = stream.keepalive_config()?;
//! # #[cfg(target_os = "linux")]
//! assert_eq!(effective.detection_bound(), Some(Duration::from_secs(110)));
//! # Ok(())
//! # }
//! ```
//!
//! # Platforms
//!
//! | OS | idle | interval | retries | user timeout | read back | accepted socket inherits |
//! |---|---|---|---|---|---|---|
//! | Linux, Android | `TCP_KEEPIDLE`, s, 1..=32767 | `TCP_KEEPINTVL`, s, 1..=32767 | `TCP_KEEPCNT`, 1..=127 | `TCP_USER_TIMEOUT`, ms, 1..=2³¹−1 | yes, OS defaults included | all (tested) |
//! | Fuchsia | as Linux | as Linux | as Linux | as Linux | yes | not verified |
//! | Apple | `TCP_KEEPALIVE`, s, ≤ 4294967 | `TCP_KEEPINTVL`, s, ≤ 4294967 | `TCP_KEEPCNT` | Unsupported | yes | interval and count, **not idle** |
//! | FreeBSD, NetBSD | `TCP_KEEPIDLE`, s | `TCP_KEEPINTVL`, s | `TCP_KEEPCNT` | Unsupported | yes | not verified |
//! | DragonFly (5.8+) | `TCP_KEEPIDLE`, s | `TCP_KEEPINTVL`, s | `TCP_KEEPCNT` | Unsupported | yes | not verified |
//! | illumos | `TCP_KEEPIDLE` (34), s, 10..=864000 | `TCP_KEEPINTVL` (36), s | `TCP_KEEPCNT` (35) | Unsupported | yes | not verified |
//! | Solaris | `TCP_KEEPALIVE_THRESHOLD`, ms, 10 s..=10 days | `TCP_KEEPINTVL` (11.4+) | `TCP_KEEPCNT` (11.4+) | Unsupported | yes | not verified |
//! | Windows | `TCP_KEEPIDLE` (10 1709+) or `SIO_KEEPALIVE_VALS` | `TCP_KEEPINTVL` (10 1709+) or `SIO_KEEPALIVE_VALS` | `TCP_KEEPCNT` (10 1703+), ≤ 255 | Unsupported | 1709+ only, else `None` | not verified |
//! | WASI p2 | `TCP_KEEPIDLE`, s | `TCP_KEEPINTVL`, s | `TCP_KEEPCNT` | Unsupported | yes | per the spec |
//! | OpenBSD, Haiku | Unsupported | Unsupported | Unsupported | Unsupported | Unsupported | `SO_KEEPALIVE` only |
//!
//! `set_keepalive` / `keepalive` (`SO_KEEPALIVE`) work on all of them. Only the
//! Linux rows are verified at run time, against the real kernel; the others are
//! compile-checked for their targets, with limits taken from each OS's sources.

#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod config;
mod error;
mod ext;
mod sys;
#[cfg(feature = "tokio")]
mod tokio;

pub use config::Keepalive;
pub use error::{Problem, Setting, SettingError, Value};
pub use ext::{KeepaliveExt, SocketRef};
