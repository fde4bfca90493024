//! Does one keepalive operation N times with one contender, so that
//! `scripts/bench` can count the system calls under strace:
//!
//! ```text
//! strace -f -c -e trace=setsockopt,getsockopt <this binary> <contender> <operation> <N>
//! ```
//!
//! The calls made to set up the connection are subtracted by running it again
//! with N = 0. Contenders: raw_libc, tcp_keepalive, socket2, nix, rustix;
//! operations: set_keepalive, keepalive, full_config. Without arguments (as under
//! `cargo bench` or `cargo test --benches`) it runs every pair once.

#[cfg(target_os = "linux")]
#[allow(dead_code)] // each bench uses part of the shared contenders
mod common;

#[cfg(target_os = "linux")]
fn main() -> std::io::Result<()> {
    use common::{IMPLS, OPS};

    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let pair = common::connected()?;
    match args.as_slice() {
        [contender, op, n] => {
            let n: u64 = n.parse().map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("N must be a count, got {n:?}: {e}"),
                )
            })?;
            for _ in 0..n {
                common::run(contender, op, &pair.stream)?;
            }
            println!("{contender} {op}: {n} done");
        }
        [] => {
            for contender in IMPLS {
                for op in OPS {
                    common::run(contender, op, &pair.stream)?;
                }
            }
            println!(
                "syscalls: every contender ran every operation once; count them with scripts/bench"
            );
        }
        _ => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("usage: syscalls <contender> <operation> <N>; contenders {IMPLS:?}, operations {OPS:?}"),
            ))
        }
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn main() {}
