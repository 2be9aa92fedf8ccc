//! Link options of the `dbg-gdbserver` binary, for what it costs in memory (issue 15, row B:
//! no more than gdbserver): the pages of a mapped file count once touched, and the kernel maps
//! up to 16 neighbours of each page a fault touches.
//!
//! - `-z pack-relative-relocs` stores the relative relocations as a bitmap (`DT_RELR`,
//!   glibc 2.36) instead of 24 bytes each: the dynamic linker reads them all at start-up, and
//!   they were 130 KiB of the file.
#![forbid(unsafe_code)]

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-link-arg-bin=dbg-gdbserver=-Wl,-z,pack-relative-relocs");
}
