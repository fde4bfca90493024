//! An echo server on tokio that prunes dead clients with TCP keepalive.
//!
//! A client that vanishes without closing (power loss, a cable pulled, a NAT
//! that forgot the flow) would otherwise hold its task and socket forever: the
//! read just waits. With keepalive the kernel probes idle connections, and once
//! the probes go unanswered the pending read fails with `TimedOut`, so the task
//! ends and the socket is closed.
//!
//! `AcceptKeepalive` gives every accepted connection the config, the right way
//! for the OS: on Linux the listener is configured once and accepted sockets
//! inherit it; on macOS, NetBSD and others, where a tuned listener may be
//! killed by its own kernel or does not pass the values on, each accepted
//! stream is configured instead.
//!
//! ```text
//! cargo run -p tcp-keepalive --features tokio --example tokio_server -- \
//!     [ADDR] [IDLE_S] [INTERVAL_S] [RETRIES] [USER_TIMEOUT_S]
//! ```
//!
//! Defaults: `127.0.0.1:7878 30 10 3` (a dead client is pruned within 60 s),
//! no user timeout. Times are seconds and may be fractional; they round up to
//! what the OS supports. `-` keeps the OS default for a value.
//!
//! To watch a client being pruned without disturbing anything else, inside a
//! throwaway network namespace (`unshare -rn`, then `ip link set lo up`):
//!
//! ```text
//! tokio_server 127.0.0.1:7878 1 1 2 &
//! nc 127.0.0.1 7878 &                      # a client, idle
//! nft add table inet t
//! nft add chain inet t in '{ type filter hook input priority 0; }'
//! nft add rule inet t in tcp sport 7878 drop   # the client host "dies"
//! # about 3 s later: "127.0.0.1:NNNNN: pruned, dead peer ..."
//! ```
//!
//! Linux only as an example, because the runtime it needs (tokio's `rt` and
//! `macros`) is a Linux-only dev-dependency of this crate; the library's
//! `tokio` feature itself works on every OS tokio supports.

#[cfg(target_os = "linux")]
mod server {
    use std::io;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use tcp_keepalive::{AcceptKeepalive, Keepalive};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    const USAGE: &str = "\
usage: tokio_server [ADDR] [IDLE_S] [INTERVAL_S] [RETRIES] [USER_TIMEOUT_S]
  ADDR            address to listen on (default 127.0.0.1:7878)
  IDLE_S          idle seconds before the first probe (default 30)
  INTERVAL_S      seconds between unanswered probes (default 10)
  RETRIES         unanswered probes that end a connection (default 3)
  USER_TIMEOUT_S  TCP_USER_TIMEOUT: also prune a client that stops
                  acknowledging data (Linux; default: not set)
A value of '-' keeps the OS default.";

    struct Args {
        addr: String,
        config: Keepalive,
    }

    fn seconds(name: &str, text: &str) -> Result<Option<Duration>, String> {
        if text == "-" {
            return Ok(None);
        }
        let secs: f64 =
            text.parse().map_err(|_| format!("{name}: {text:?} is not a number of seconds"))?;
        Duration::try_from_secs_f64(secs).map(Some).map_err(|e| format!("{name}: {text:?}: {e}"))
    }

    fn parse_args() -> Result<Args, String> {
        let args: Vec<String> = std::env::args().skip(1).collect();
        if args.iter().any(|a| a == "-h" || a == "--help") {
            println!("{USAGE}");
            std::process::exit(0);
        }
        if args.len() > 5 {
            return Err(format!("too many arguments\n{USAGE}"));
        }
        let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or(default.to_owned());
        let mut config = Keepalive::new();
        if let Some(idle) = seconds("IDLE_S", &arg(1, "30"))? {
            config = config.with_idle(idle);
        }
        if let Some(interval) = seconds("INTERVAL_S", &arg(2, "10"))? {
            config = config.with_interval(interval);
        }
        let retries = arg(3, "3");
        if retries != "-" {
            let n = retries
                .parse()
                .map_err(|_| format!("RETRIES: {retries:?} is not a whole number"))?;
            config = config.with_retries(n);
        }
        if let Some(user_timeout) = seconds("USER_TIMEOUT_S", &arg(4, "-"))? {
            config = config.with_user_timeout(user_timeout);
        }
        Ok(Args { addr: arg(0, "127.0.0.1:7878"), config })
    }

    fn describe(k: &Keepalive) -> String {
        let show = |d: Option<Duration>| d.map_or("OS default".to_owned(), |d| format!("{d:?}"));
        let retries = k.retries().map_or("OS default".to_owned(), |n| n.to_string());
        let mut text =
            format!("idle {}, interval {}, retries {retries}", show(k.idle()), show(k.interval()));
        if let Some(user_timeout) = k.user_timeout() {
            text += &format!(", user timeout {user_timeout:?}");
        }
        match k.idle_detection_bound() {
            Some(bound) => text + &format!("; idle dead clients pruned within {bound:?}"),
            None => text,
        }
    }

    /// What one connection did, for the log line when it ends.
    struct Session {
        echoed: u64,
        last_heard: Instant,
    }

    /// Echoes until the client closes (`Ok`) or the connection fails (`Err`).
    async fn echo(mut stream: TcpStream, session: &mut Session) -> io::Result<()> {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                return Ok(());
            }
            session.last_heard = Instant::now();
            stream.write_all(&buf[..n]).await?;
            session.echoed += n as u64;
        }
    }

    async fn serve(args: Args) -> io::Result<()> {
        let listener = TcpListener::bind(&args.addr).await?;
        // Checks the config once, and configures the listener where that is safe.
        let keepalive = AcceptKeepalive::new(&listener, &args.config)?;
        println!("echo server on {}: keepalive {}", listener.local_addr()?, describe(&args.config));

        let clients = Arc::new(AtomicUsize::new(0));
        loop {
            let (stream, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    eprintln!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            // No system call where the listener's settings were inherited.
            if let Err(e) = keepalive.apply(&stream) {
                eprintln!("{peer}: keepalive not applied, closing: {e}");
                continue;
            }
            let clients = Arc::clone(&clients);
            tokio::spawn(async move {
                let now = clients.fetch_add(1, Ordering::Relaxed) + 1;
                println!("{peer}: connected ({now} clients)");
                let mut session = Session { echoed: 0, last_heard: Instant::now() };
                let outcome = echo(stream, &mut session).await;
                let now = clients.fetch_sub(1, Ordering::Relaxed) - 1;
                let echoed = session.echoed;
                match outcome {
                    Ok(()) => println!("{peer}: closed after {echoed} bytes ({now} clients)"),
                    Err(e) if e.kind() == io::ErrorKind::TimedOut => println!(
                        "{peer}: pruned, dead peer: silent for {:.1?}, keepalive timed out \
                         ({e}); {echoed} bytes echoed ({now} clients)",
                        session.last_heard.elapsed()
                    ),
                    Err(e) => println!("{peer}: dropped: {e} ({now} clients)"),
                }
            });
        }
    }

    pub fn main() {
        let args = match parse_args() {
            Ok(args) => args,
            Err(message) => {
                eprintln!("{message}");
                std::process::exit(2);
            }
        };
        let runtime = match tokio::runtime::Runtime::new() {
            Ok(runtime) => runtime,
            Err(e) => {
                eprintln!("cannot start the tokio runtime: {e}");
                std::process::exit(1);
            }
        };
        if let Err(e) = runtime.block_on(serve(args)) {
            eprintln!("tokio_server: {e}");
            std::process::exit(1);
        }
    }
}

#[cfg(target_os = "linux")]
fn main() {
    server::main();
}

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("this example is built on Linux only (its runtime is a Linux-only dev-dependency)");
}
