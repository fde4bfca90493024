//! Keepalive settings as every event carries them: the same four fields,
//! written once.

use schemars::JsonSchema;
use serde::Serialize;
use tcp_keepalive::Keepalive;

use super::secs;

/// The keepalive settings, as JSON fields; null where a value is not set or
/// not known (each event says which).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, JsonSchema)]
pub struct KeepaliveFields {
    pub idle_s: Option<f64>,
    pub interval_s: Option<f64>,
    pub retries: Option<u32>,
    /// TCP_USER_TIMEOUT.
    pub user_timeout_s: Option<f64>,
}

impl From<&Keepalive> for KeepaliveFields {
    fn from(config: &Keepalive) -> KeepaliveFields {
        KeepaliveFields {
            idle_s: config.idle().map(secs),
            interval_s: config.interval().map(secs),
            retries: config.retries(),
            user_timeout_s: config.user_timeout().map(secs),
        }
    }
}
