//! The `tcp-keepalive` command.

fn main() {}
