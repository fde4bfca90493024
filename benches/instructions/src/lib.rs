//! One `setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &1, 4)` three ways, for the
//! system-call floor: through glibc's `setsockopt` symbol (what the library and
//! std call), through glibc's generic `syscall()`, and as an inline `syscall`
//! instruction (what rustix's linux_raw backend does). Each returns what the
//! kernel returned, unchecked, so that only the path to the kernel differs.
//! Measured by benches/instructions.rs (instructions) and src/bin/floor_time.rs (time).

use std::os::fd::RawFd;

use libc::{c_int, c_void, socklen_t};

static ON: c_int = 1;
const LEN: socklen_t = size_of::<c_int>() as socklen_t;

/// glibc's `setsockopt`: the symbol std, socket2, nix and this crate call.
#[inline]
pub fn glibc_setsockopt(fd: RawFd) -> c_int {
    // SAFETY: the pointer and length describe ON, a c_int that lives for the
    // whole program; a bad fd only makes the call fail.
    unsafe {
        libc::setsockopt(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE, (&raw const ON).cast(), LEN)
    }
}

/// glibc's generic `syscall(SYS_setsockopt, ...)`.
#[inline]
pub fn glibc_syscall(fd: RawFd) -> libc::c_long {
    let value: *const c_void = (&raw const ON).cast();
    // SAFETY: setsockopt's arguments, as above: a valid pointer and its length.
    unsafe {
        libc::syscall(libc::SYS_setsockopt, fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE, value, LEN)
    }
}

/// The `syscall` instruction inline, as rustix's linux_raw backend emits it.
/// Returns the kernel's result: 0 or -errno.
#[cfg(target_arch = "x86_64")]
#[inline]
pub fn inline_syscall(fd: RawFd) -> isize {
    let value: *const c_void = (&raw const ON).cast();
    let ret: isize;
    // SAFETY: the x86_64 Linux system-call convention: number in rax, arguments
    // in rdi, rsi, rdx, r10, r8; the kernel clobbers rcx and r11 and touches no
    // stack. The arguments are setsockopt's, with a valid pointer and length.
    unsafe {
        std::arch::asm!(
            "syscall",
            inlateout("rax") libc::SYS_setsockopt as isize => ret,
            in("rdi") fd as isize,
            in("rsi") libc::SOL_SOCKET as isize,
            in("rdx") libc::SO_KEEPALIVE as isize,
            in("r10") value,
            in("r8") LEN as isize,
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack, preserves_flags),
        );
    }
    ret
}
