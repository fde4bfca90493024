//! Connection pools that never hand out a connection keepalive found dead:
//! `liveness()` in deadpool's `Manager::recycle` and bb8's `is_valid` /
//! `has_broken`. The recycle check is one `poll` per checkout on a healthy
//! connection, and reads nothing, so a protocol's pending reply stays intact.
//!
//! `cargo run --example pools --features tokio` starts a local server, pools two
//! connections to it, closes the server's side of them, and shows both pools
//! replacing the closed connections. tests/pools.rs runs the same managers
//! against a peer silenced with BPF (found dead by keepalive alone).

// The pools and tokio are Linux-only dev-dependencies of this crate.
#[cfg(target_os = "linux")]
pub mod recipes {
    use std::io;
    use std::net::SocketAddr;
    use std::time::Duration;

    use tcp_keepalive::{Keepalive, KeepaliveExt, Liveness};
    use tokio::net::TcpStream;

    /// The keepalive every pooled connection gets: a dead peer is found within 3 s
    /// (probes after 1 s idle, 1 s apart, 2 unanswered). Pick your own bound.
    pub const KEEPALIVE: Keepalive = Keepalive::new()
        .with_idle(Duration::from_secs(1))
        .with_interval(Duration::from_secs(1))
        .with_retries(2);

    /// Connects and turns keepalive on: what both managers' `create` / `connect` do.
    pub async fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_keepalive_config(&KEEPALIVE)?;
        Ok(stream)
    }

    /// Why a pooled connection must not be handed out, if it must not.
    pub fn unusable(stream: &TcpStream) -> Option<String> {
        match stream.liveness() {
            Ok(Liveness::Open) => None,
            Ok(Liveness::PeerClosed) => Some("the peer closed the connection".into()),
            Ok(Liveness::Dead(why)) => Some(format!("the connection is dead: {why}")),
            Ok(other) => Some(format!("the connection is {other:?}")),
            Err(e) => Some(format!("its state cannot be read: {e}")),
        }
    }

    /// deadpool: `recycle` runs on every checkout of an idle connection.
    pub mod with_deadpool {
        use super::*;
        use deadpool::managed::{self, Metrics, RecycleError, RecycleResult};

        pub struct Manager(pub SocketAddr);

        impl managed::Manager for Manager {
            type Type = TcpStream;
            type Error = io::Error;

            async fn create(&self) -> io::Result<TcpStream> {
                connect(self.0).await
            }

            async fn recycle(
                &self,
                stream: &mut TcpStream,
                _: &Metrics,
            ) -> RecycleResult<io::Error> {
                match unusable(stream) {
                    None => Ok(()),
                    Some(why) => Err(RecycleError::message(why)),
                }
            }
        }

        pub type Pool = managed::Pool<Manager>;
    }

    /// bb8: `is_valid` runs on checkout (`test_on_check_out`, the default),
    /// `has_broken` when a connection comes back to the pool.
    pub mod with_bb8 {
        use super::*;

        pub struct Manager(pub SocketAddr);

        impl bb8::ManageConnection for Manager {
            type Connection = TcpStream;
            type Error = io::Error;

            async fn connect(&self) -> io::Result<TcpStream> {
                connect(self.0).await
            }

            async fn is_valid(&self, stream: &mut TcpStream) -> io::Result<()> {
                match unusable(stream) {
                    None => Ok(()),
                    Some(why) => Err(io::Error::new(io::ErrorKind::ConnectionAborted, why)),
                }
            }

            fn has_broken(&self, stream: &mut TcpStream) -> bool {
                unusable(stream).is_some()
            }
        }

        pub type Pool = bb8::Pool<Manager>;
    }

    /// The demonstration `main` runs: both pools replace connections the peer closed.
    #[tokio::main(flavor = "current_thread")]
    pub async fn demo() -> io::Result<()> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let deadpool = with_deadpool::Pool::builder(with_deadpool::Manager(addr))
            .max_size(1)
            .build()
            .map_err(io::Error::other)?;
        let bb8 = bb8::Pool::builder().max_size(1).build(with_bb8::Manager(addr)).await?;

        let (first_deadpool, first_bb8) = {
            let a = deadpool.get().await.map_err(io::Error::other)?;
            let (server_a, _) = listener.accept().await?;
            let b = bb8.get().await.map_err(|e| io::Error::other(format!("{e:?}")))?;
            let (server_b, _) = listener.accept().await?;
            drop((server_a, server_b)); // the server closes both: a FIN each
            (a.local_addr()?, b.local_addr()?)
        };
        tokio::time::sleep(Duration::from_millis(100)).await;

        let next =
            tokio::spawn(async move { listener.accept().await.and(listener.accept().await) });
        let a = deadpool.get().await.map_err(io::Error::other)?;
        let b = bb8.get().await.map_err(|e| io::Error::other(format!("{e:?}")))?;
        println!(
            "deadpool: {first_deadpool} was closed by the peer; handed out {}",
            a.local_addr()?
        );
        println!("bb8:      {first_bb8} was closed by the peer; handed out {}", b.local_addr()?);
        drop(next);
        Ok(())
    }
}

#[cfg(target_os = "linux")]
#[allow(dead_code)] // tests/pools.rs includes this file for the recipes only
fn main() -> std::io::Result<()> {
    recipes::demo()
}

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("this example is built on Linux only (its pools are Linux-only dev-dependencies)");
}
