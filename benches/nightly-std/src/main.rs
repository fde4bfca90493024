//! Nightly std's `TcpStream::set_keepalive` / `keepalive` (`#![feature(tcp_keepalive)]`)
//! next to raw libc and this crate, on a connected loopback stream.
//!
//! Nightly only: `cargo +nightly run --release --manifest-path benches/nightly-std/Cargo.toml`
//! (`scripts/bench` does it). The raw baseline is the very file the criterion
//! benches use (crates/tcp-keepalive/benches/common/raw_libc.rs).
//!
//! Timing: `--rounds R` rounds of `--iters K` calls per contender, the contenders
//! in a rotated order each round, so that noise from the rest of the machine hits
//! all of them; the figure is the median over rounds. The last line printed is
//! the result as JSON, read by `scripts/bench`.

#![feature(tcp_keepalive)]

#[cfg(target_os = "linux")]
#[path = "../../../crates/tcp-keepalive/benches/common/raw_libc.rs"]
#[allow(dead_code)] // full_config is for the stable benches
mod raw_libc;

#[cfg(target_os = "linux")]
fn main() -> std::io::Result<()> {
    use std::hint::black_box;
    use std::io;
    use std::net::{TcpListener, TcpStream};
    use std::time::Instant;

    use tcp_keepalive::KeepaliveExt;

    type Op = fn(&TcpStream) -> io::Result<()>;
    const CONTENDERS: [(&str, &str, Op); 6] = [
        ("set_keepalive", "raw_libc", |s| raw_libc::set_keepalive(s)),
        // The inherent method: what `s.set_keepalive(true)` resolves to on nightly.
        ("set_keepalive", "std", |s| {
            TcpStream::set_keepalive(s, true)
        }),
        ("set_keepalive", "tcp_keepalive", |s| {
            KeepaliveExt::set_keepalive(s, true)
        }),
        ("keepalive", "raw_libc", |s| {
            raw_libc::keepalive(s).map(drop)
        }),
        ("keepalive", "std", |s| TcpStream::keepalive(s).map(drop)),
        ("keepalive", "tcp_keepalive", |s| {
            KeepaliveExt::keepalive(s).map(drop)
        }),
    ];

    fn flag(args: &[String], name: &str, default: usize) -> io::Result<usize> {
        let Some(i) = args.iter().position(|a| a == name) else {
            return Ok(default);
        };
        let value = args.get(i + 1).map(String::as_str).unwrap_or("");
        value.parse().map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{name} takes a positive count, got {value:?}: {e}"),
            )
        })
    }

    let args: Vec<String> = std::env::args().skip(1).collect();
    let rounds = flag(&args, "--rounds", 30)?.max(1);
    let iters = flag(&args, "--iters", 20_000)?.max(1);

    let listener = TcpListener::bind("127.0.0.1:0")?;
    let stream = TcpStream::connect(listener.local_addr()?)?;
    let (_peer, _) = listener.accept()?;

    // With the feature on, method syntax picks std's inherent methods; both
    // sides see the same socket state.
    stream.set_keepalive(true)?;
    assert!(
        KeepaliveExt::keepalive(&stream)?,
        "std's set_keepalive not seen by the crate"
    );
    KeepaliveExt::set_keepalive(&stream, false)?;
    assert!(
        !stream.keepalive()?,
        "the crate's set_keepalive not seen by std"
    );
    stream.set_keepalive(true)?;

    let time = |op: Op, n: usize| -> io::Result<f64> {
        let start = Instant::now();
        for _ in 0..n {
            op(black_box(&stream))?;
        }
        Ok(start.elapsed().as_nanos() as f64 / n as f64)
    };
    for (_, _, op) in CONTENDERS {
        time(op, iters.min(2_000))?; // warm-up
    }
    let mut samples = vec![Vec::with_capacity(rounds); CONTENDERS.len()];
    for r in 0..rounds {
        for k in 0..CONTENDERS.len() {
            let i = (k + r) % CONTENDERS.len();
            samples[i].push(time(CONTENDERS[i].2, iters)?);
        }
    }

    let median = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        let mid = v.len() / 2;
        if v.len() % 2 == 0 {
            (v[mid - 1] + v[mid]) / 2.0
        } else {
            v[mid]
        }
    };
    let mut json = Vec::new();
    for (i, (op, who, _)) in CONTENDERS.iter().enumerate() {
        let base = CONTENDERS
            .iter()
            .position(|c| c.0 == *op && c.1 == "raw_libc");
        let base = base.expect("every operation has a raw_libc baseline");
        let ratios: Vec<f64> = samples[i]
            .iter()
            .zip(&samples[base])
            .map(|(x, b)| x / b)
            .collect();
        println!(
            "{op:>13}/{who:<14} {:>8.1} ns/op  {:.3}x raw libc (median of {rounds} paired rounds of {iters})",
            median(&samples[i]),
            median(&ratios)
        );
        json.push(format!(
            "\"{op}/{who}\":{{\"ns\":{:.2},\"ratio\":{:.4}}}",
            median(&samples[i]),
            median(&ratios)
        ));
    }
    println!("JSON {{{}}}", json.join(","));
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn main() {}
