//! Criterion benchmark of bulk memory reads: 256 MiB of a stopped tracee (the `bigmem`
//! fixture) through [`Memory::read`] against a bare loop of `process_vm_readv` calls written
//! here, 1 MiB per call, into a buffer allocated once.
//!
//! One iteration reads the whole block; `Memory::read` allocates the bytes it returns each
//! time (that is its interface), and dropping them is not timed. `cargo xtask bench` reads the
//! estimates and prints both bandwidths; the goal is `dbg_memory` at 0.8× `bare_process_vm_readv`
//! or better.
#![forbid(unsafe_code)]
// A benchmark that cannot launch its tracee or read its memory has nothing to measure: it
// stops loudly with the reason instead of reporting numbers for something else.
#![allow(clippy::panic)]

use std::io::IoSliceMut;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use dbg_memory::Memory;
use dbg_process::{Launch, Process, Resume, Signal, StopReason, VirtAddr};
use nix::sys::uio::{process_vm_readv, RemoteIoVec};

/// Bytes per `process_vm_readv` call of the bare loop.
const CHUNK: usize = 1 << 20;

/// The `bigmem` tracee, stopped at its `int3` after filling its block.
#[derive(Debug)]
struct Tracee {
    process: Process,
    addr: u64,
    size: usize,
}

impl Tracee {
    /// Launch `bigmem`, let it fill its block and stop, and read where the block is from the
    /// line it prints.
    fn launch() -> Tracee {
        let program = fixtures::path("bigmem");
        let output = tempfile::NamedTempFile::new()
            .unwrap_or_else(|e| panic!("cannot create a temporary file: {e}"));
        let mut process = Launch::new(&program)
            .stdout(output.path())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot launch {}: {e}", program.display()));
        if let Err(e) = process.resume(Resume::Continue, None) {
            panic!("cannot resume bigmem: {e}");
        }
        match process.wait() {
            Ok(StopReason::Stopped(stop)) if stop.signal == Signal::SIGTRAP => {}
            other => panic!("bigmem did not stop at its int3: {other:?}"),
        }
        let line = std::fs::read_to_string(output.path())
            .unwrap_or_else(|e| panic!("cannot read the output of bigmem: {e}"));
        let mut words = line.split_whitespace();
        let addr = words
            .next()
            .and_then(|word| u64::from_str_radix(word.trim_start_matches("0x"), 16).ok());
        let size = words.next().and_then(|word| word.parse::<usize>().ok());
        let (Some(addr), Some(size)) = (addr, size) else {
            panic!("bigmem printed `{}`, not `ADDRESS SIZE`", line.trim());
        };
        Tracee {
            process,
            addr,
            size,
        }
    }

    /// Whether `bytes` are the block as `bigmem` filled it (byte `i` is `i * 7`), checked at
    /// a sample of offsets.
    fn check(&self, bytes: &[u8], who: &str) {
        if bytes.len() != self.size {
            panic!("{who} read {} bytes, not {}", bytes.len(), self.size);
        }
        let step = self.size / 4099 + 1;
        for offset in (0..self.size).step_by(step).chain([self.size - 1]) {
            let expected = (offset as u64).wrapping_mul(7) as u8;
            if bytes.get(offset) != Some(&expected) {
                panic!("{who}: wrong byte at offset {offset} of the block");
            }
        }
    }
}

/// `iters` reads of the whole block through the library, into one buffer allocated once (as
/// the bare loop does: the comparison is of the reading, not of page-faulting a new buffer).
fn dbg_memory_reads(tracee: &Tracee, buffer: &mut [u8], iters: u64) -> Duration {
    let memory = Memory::new(tracee.process.pid());
    let mut elapsed = Duration::ZERO;
    for _ in 0..iters {
        let start = Instant::now();
        let filled = memory.read_into(VirtAddr::new(tracee.addr), buffer);
        elapsed += start.elapsed();
        let filled = filled.unwrap_or_else(|e| panic!("Memory::read_into failed: {e}"));
        if let Some(at) = filled.stopped_at {
            panic!("Memory::read_into stopped at {at:#x}");
        }
        tracee.check(buffer, "Memory::read_into");
    }
    elapsed
}

/// `iters` reads of the whole block with bare `process_vm_readv` calls, 1 MiB each.
fn bare_reads(tracee: &Tracee, buffer: &mut [u8], iters: u64) -> Duration {
    let pid = tracee.process.pid();
    let start = Instant::now();
    for _ in 0..iters {
        for (index, chunk) in buffer.chunks_mut(CHUNK).enumerate() {
            let remote = [RemoteIoVec {
                base: tracee.addr as usize + index * CHUNK,
                len: chunk.len(),
            }];
            let want = chunk.len();
            match process_vm_readv(pid, &mut [IoSliceMut::new(chunk)], &remote) {
                Ok(n) if n == want => {}
                other => panic!("process_vm_readv of {want} bytes: {other:?}"),
            }
        }
    }
    let elapsed = start.elapsed();
    tracee.check(buffer, "process_vm_readv");
    elapsed
}

/// One tracee for both functions (filling 256 MiB takes a while).
fn read_256mib(c: &mut Criterion) {
    let tracee = Tracee::launch();
    let mut group = c.benchmark_group("read_256mib");
    // A read takes tens of milliseconds: few samples, each of the same number of reads.
    group.sample_size(10).sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Bytes(tracee.size as u64));
    let mut buffer = vec![0u8; tracee.size];
    group.bench_function("dbg_memory", |b| {
        b.iter_custom(|iters| dbg_memory_reads(&tracee, &mut buffer, iters));
    });
    group.bench_function("bare_process_vm_readv", |b| {
        b.iter_custom(|iters| bare_reads(&tracee, &mut buffer, iters));
    });
    group.finish();
}

criterion_group!(benches, read_256mib);
criterion_main!(benches);
