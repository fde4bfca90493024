//! Side by side with nightly std's `#![feature(tcp_keepalive)]`, the reference
//! this crate must match. Runs with
//! `RUSTFLAGS="--cfg tcp_keepalive_nightly" cargo +nightly test -p tcp-keepalive --test nightly_std`
//! (scripts/test does this, and says `SKIPPED nightly_std` when there is no
//! nightly); other builds of this file hold no test, so the stable run prints
//! no skip for what the nightly run does.
#![cfg_attr(tcp_keepalive_nightly, feature(tcp_keepalive))]
#![cfg_attr(tcp_keepalive_nightly, deny(unfulfilled_lint_expectations))]

/// Every way of writing SO_KEEPALIVE through one implementation is read back the
/// same through both.
#[cfg(tcp_keepalive_nightly)]
mod differential {
    use std::io;
    use std::net::{Shutdown, TcpListener, TcpStream};

    use tcp_keepalive::{KeepaliveExt, SocketRef};

    #[derive(Clone, Copy, Debug)]
    enum Writer {
        Std,
        Ours,
        OursBorrowed,
    }

    fn write(writer: Writer, stream: &TcpStream, on: bool) -> io::Result<()> {
        match writer {
            // Inherent methods win over the trait: this is std's.
            Writer::Std => TcpStream::set_keepalive(stream, on),
            Writer::Ours => <TcpStream as KeepaliveExt>::set_keepalive(stream, on),
            Writer::OursBorrowed => SocketRef::from(stream).set_keepalive(on),
        }
    }

    fn read_both(stream: &TcpStream) -> (bool, bool) {
        let std_view = TcpStream::keepalive(stream).unwrap();
        let our_view = <TcpStream as KeepaliveExt>::keepalive(stream).unwrap();
        (std_view, our_view)
    }

    fn streams() -> (TcpListener, TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        (listener, client, server)
    }

    const WRITERS: [Writer; 3] = [Writer::Std, Writer::Ours, Writer::OursBorrowed];

    #[test]
    fn fresh_streams_read_the_same() {
        let (_l, client, server) = streams();
        assert_eq!(read_both(&client), (false, false));
        assert_eq!(read_both(&server), (false, false));
    }

    #[test]
    fn every_writer_is_read_the_same_by_both_from_every_start_state() {
        // Start states: fresh, enabled and disabled, each reached through each writer.
        let mut starts: Vec<(&str, Option<(Writer, bool)>)> = vec![("fresh", None)];
        for w in WRITERS {
            starts.push(("enabled", Some((w, true))));
            starts.push(("disabled", Some((w, false))));
        }
        for (name, start) in starts {
            for writer in WRITERS {
                for value in [true, false] {
                    let (_l, client, _server) = streams();
                    if let Some((w, on)) = start {
                        write(w, &client, on).unwrap();
                        assert_eq!(read_both(&client), (on, on), "{name} via {w:?}");
                    }
                    write(writer, &client, value).unwrap();
                    assert_eq!(
                        read_both(&client),
                        (value, value),
                        "start {name} {start:?}, then {writer:?} writes {value}"
                    );
                }
            }
        }
    }

    #[test]
    fn accepted_streams_agree_with_std() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_keepalive(true).unwrap(); // std has no listener method: ours
        let _client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (accepted, _) = listener.accept().unwrap();
        assert_eq!(read_both(&accepted), (true, true));
    }

    #[test]
    fn shut_down_streams_behave_the_same() {
        for writer in WRITERS {
            let (_l, client, _server) = streams();
            client.shutdown(Shutdown::Both).unwrap();
            let ours = write(writer, &client, true).map_err(|e| e.kind());
            let theirs = TcpStream::set_keepalive(&client, true).map_err(|e| e.kind());
            assert_eq!(ours, theirs, "{writer:?}");
            let std_read = TcpStream::keepalive(&client).map_err(|e| e.kind());
            let our_read = <TcpStream as KeepaliveExt>::keepalive(&client).map_err(|e| e.kind());
            assert_eq!(std_read, our_read);
        }
    }
}

/// With the feature on and our trait imported, user code compiles unchanged and
/// `stream.set_keepalive(..)` is std's inherent method. The proof is the lint
/// expectation: the import must be unused, which holds only if both calls below
/// resolve to std (unfulfilled expectations are denied above, so the build fails
/// otherwise).
#[cfg(tcp_keepalive_nightly)]
mod forward_compat {
    use std::net::{TcpListener, TcpStream};

    #[expect(unused_imports, reason = "std's inherent methods must win over the trait")]
    use tcp_keepalive::KeepaliveExt;

    #[test]
    fn method_calls_resolve_to_std_and_work() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let stream = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        stream.set_keepalive(true).expect("set_keepalive call failed");
        assert!(stream.keepalive().unwrap());
        stream.set_keepalive(false).unwrap();
        assert!(!stream.keepalive().unwrap());
    }
}
