//! The TCP sockets of a set of network namespaces (sock_diag inside each,
//! through [`namespaces::in_each`]), each with the namespace it lives in and
//! that namespace's keepalive defaults; shared by `inspect` and `apply`.

use rustix::net::{AddressFamily, SocketType};
use tcp_keepalive::{Keepalive, KeepaliveExt, SocketRef};

use super::namespaces::{self, Namespace, Skipped};
use super::sockets::{self, DiagSocket};
use crate::output::Failure;

/// A namespace the sockets were listed in.
#[derive(Clone, Debug)]
pub struct Space {
    pub inode: u64,
    pub name: Option<String>,
    /// The values a fresh socket there gets (its sysctls); `None` if unreadable.
    pub defaults: Option<Keepalive>,
}

/// One socket and the index of its [`Space`].
#[derive(Clone, Debug)]
pub struct Listed {
    pub socket: DiagSocket,
    pub space: usize,
}

/// What was listed, and the namespaces that could not be.
#[derive(Debug, Default)]
pub struct Listing {
    pub sockets: Vec<Listed>,
    pub spaces: Vec<Space>,
    pub skipped: Vec<Skipped>,
}

/// The sockets of `found`'s namespaces. Failing in our own namespace is an
/// error; in another, that namespace is skipped with the reason.
pub fn list(found: namespaces::Found, established_only: bool) -> Result<Listing, Failure> {
    let dumps = namespaces::in_each(&found.namespaces, |_| {
        (sockets::dump(established_only), os_defaults())
    });
    let mut listing = Listing { skipped: found.skipped, ..Listing::default() };
    for (namespace, dump) in found.namespaces.iter().zip(dumps) {
        let (sockets, defaults) = match dump {
            Ok((Ok(sockets), defaults)) => (sockets, defaults),
            Ok((Err(e), _)) if namespace.own => {
                return Err(Failure::io("cannot list the TCP connections (sock_diag)", e))
            }
            Ok((Err(e), _)) => {
                skip(&mut listing, namespace, format!("cannot list its TCP connections: {e}"));
                continue;
            }
            Err(why) => {
                skip(&mut listing, namespace, why);
                continue;
            }
        };
        let space = listing.spaces.len();
        listing.spaces.push(Space {
            inode: namespace.inode,
            name: namespace.name.clone(),
            defaults,
        });
        listing.sockets.extend(sockets.into_iter().map(|socket| Listed { socket, space }));
    }
    Ok(listing)
}

fn skip(listing: &mut Listing, namespace: &Namespace, problem: String) {
    let (inode, name) = (Some(namespace.inode), namespace.name.clone());
    listing.skipped.push(Skipped { inode, name, problem });
}

/// The values a fresh socket in the current namespace gets (its sysctls), as
/// the library reads them; `None` if that fails.
fn os_defaults() -> Option<Keepalive> {
    let socket = rustix::net::socket(AddressFamily::INET, SocketType::STREAM, None).ok()?;
    SocketRef::from(&socket).keepalive_config().ok()
}
