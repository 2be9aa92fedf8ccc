//! `cargo xtask hot-text`: write `crates/gdbserver/hot-text.ld`, the linker script that puts
//! the functions a gdb session executes in `dbg-gdbserver` together at the start of `.text`.
//!
//! Why (issue 15, row B): the kernel maps a file's pages around each page fault (up to 16
//! neighbours), so code executed here and there across 2.5 MB of `.text` made almost all of
//! it resident. Gathered, the executed code is a few hundred KiB and so is what is mapped.
//!
//! How: a few sessions — the bench's (20,000-hit breakpoint, `stepi`) and ordinary ones
//! (breakpoints, `bt`, registers, memory, `finish`, `next`, a watchpoint, threads) — run
//! through the release server under `valgrind --tool=callgrind`, which lists every executed
//! instruction; each one's function (and the other names at the same address: merged
//! functions share a section) becomes a section pattern without the parts of the name that
//! change with the toolchain or a rebuild (legacy mangling's hash, v0's crate disambiguators
//! and back-references, `.llvm.N` suffixes). A pattern that stops matching only puts its
//! function back among the cold code, so the layout degrades with the code, it never breaks.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::workspace::Workspace;

/// Where the script lives (relative to the workspace root); `crates/gdbserver/build.rs`
/// hands it to the linker.
const SCRIPT: &str = "crates/gdbserver/hot-text.ld";

/// What runs only when threads contend (valgrind runs one thread at a time, so never under
/// it): std's futex-based locks, condition variables and once cells.
const CONTENDED: &str = "_RNvMNtNtNtNtCs*_3std3sys4sync*";

/// One profiled session: the fixture the server launches, its arguments and gdb's commands.
struct Profiled {
    name: &'static str,
    program: &'static str,
    args: &'static [&'static str],
    commands: &'static [&'static str],
}

const SESSIONS: &[Profiled] = &[
    Profiled {
        name: "hits",
        program: "bp_loop",
        args: &["201"],
        commands: &[
            "break target_fn",
            "ignore 1 200",
            "continue",
            "info breakpoints",
        ],
    },
    Profiled {
        name: "steps",
        program: "busy",
        args: &[],
        commands: &["stepi 300", "print $pc"],
    },
    Profiled {
        name: "source",
        program: "nested",
        args: &[],
        commands: &[
            "break leaf",
            "continue",
            "bt",
            "info registers",
            "x/8xg $sp",
            "finish",
            "next",
            "step",
            "info threads",
            "watch $rsp",
            "delete",
            "tbreak factorial",
            "continue",
            "x/4i $pc",
        ],
    },
    Profiled {
        name: "threads",
        program: "threads_bp",
        args: &[],
        commands: &[
            "break target_fn",
            "continue",
            "continue",
            "info threads",
            "thread 3",
            "bt",
            "delete",
            "next",
        ],
    },
];

impl Workspace {
    /// Build the release server, profile [`SESSIONS`] and write [`SCRIPT`].
    pub fn hot_text(&self) -> Result<(), String> {
        self.build_fixtures()?;
        // As the bench builds it.
        self.run(&mut self.cargo(["build", "--release", "--package", "dbg-gdbserver"]))?;
        let server = self.target.join("release").join("dbg-gdbserver");
        let profiles = self.target.join("hot-text");
        std::fs::create_dir_all(&profiles)
            .map_err(|e| format!("cannot create {}: {e}", profiles.display()))?;
        let mut executed = BTreeSet::new();
        for session in SESSIONS {
            let out = profiles.join(format!("{}.callgrind", session.name));
            self.profile(&server, session, &out)?;
            executed.extend(executed_addresses(&out, &server)?);
        }
        let symbols = Symbols::read(&server)?;
        let mut functions = BTreeSet::new();
        for address in executed {
            if let Some(names) = symbols.at(address) {
                functions.extend(names.iter().map(|name| pattern(name)));
            }
        }
        functions.insert(CONTENDED.to_string());
        let script = self.root.join(SCRIPT);
        std::fs::write(&script, render(&functions))
            .map_err(|e| format!("cannot write {}: {e}", script.display()))?;
        println!(
            "xtask: {} patterns written to {SCRIPT}; rebuild to link with them",
            functions.len()
        );
        Ok(())
    }

    /// Run one session through `server` under callgrind, its profile written to `out`.
    fn profile(&self, server: &Path, session: &Profiled, out: &Path) -> Result<(), String> {
        let program = fixtures::output_dir().join(session.program);
        let mut command = Command::new("valgrind");
        command
            .arg("--tool=callgrind")
            .arg(format!("--callgrind-out-file={}", out.display()))
            .args([
                "--dump-instr=yes",
                "--compress-pos=no",
                "--compress-strings=no",
            ])
            .arg(server)
            .args(["--once", "127.0.0.1:0"])
            .arg(&program)
            .args(session.args)
            .current_dir(&self.root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let line = self.shell_line(&command);
        println!("$ {line} &");
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot run `{line}` (is valgrind installed?): {e}"))?;
        let stderr = child.stderr.take().ok_or("no pipe for valgrind's stderr")?;
        let mut stderr = BufReader::new(stderr);
        let mut text = String::new();
        let port = loop {
            text.clear();
            match stderr.read_line(&mut text) {
                Ok(0) | Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!("`{line}` ended before listening"));
                }
                Ok(_) => {}
            }
            if let Some(port) = text.trim().strip_prefix("Listening on port ") {
                break port.to_string();
            }
        };
        // The rest of stderr, read so that the server never blocks on a full pipe.
        let drain = std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = std::io::Read::read_to_string(&mut stderr, &mut rest);
        });
        let mut gdb = Command::new("gdb");
        gdb.args(["-nx", "-batch", "-ex", "set sysroot /", "-ex"])
            .arg(format!("target remote 127.0.0.1:{port}"));
        for command in session.commands {
            gdb.args(["-ex", command]);
        }
        gdb.args(["-ex", "kill"]).arg(&program).stdin(Stdio::null());
        let gdb_line = self.shell_line(&gdb);
        println!("$ {gdb_line}");
        let output = gdb.output();
        let status = child.wait();
        let _ = drain.join();
        let output = output.map_err(|e| format!("cannot run `{gdb_line}`: {e}"))?;
        if !output.status.success() {
            return Err(format!("`{gdb_line}` failed ({})", output.status));
        }
        match status {
            Ok(status) if status.success() => Ok(()),
            Ok(status) => Err(format!("`{line}` failed ({status})")),
            Err(e) => Err(format!("cannot wait for `{line}`: {e}")),
        }
    }
}

/// The addresses (as in the file: callgrind gives an object's addresses unrelocated) of the
/// instructions of `binary` that the profile at `path` counts.
fn executed_addresses(path: &Path, binary: &Path) -> Result<BTreeSet<u64>, String> {
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let binary = binary.to_string_lossy();
    let mut ours = false;
    let mut addresses = BTreeSet::new();
    for line in BufReader::new(file).lines() {
        let line = line.map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if let Some(object) = line.strip_prefix("ob=") {
            ours = object == binary;
        } else if let Some(hex) = line.strip_prefix("0x").filter(|_| ours) {
            let hex = hex.split_whitespace().next().unwrap_or("");
            if let Ok(address) = u64::from_str_radix(hex, 16) {
                addresses.insert(address);
            }
        }
    }
    Ok(addresses)
}

/// The function symbols of a binary (`nm -S`): start address to size and every name there.
struct Symbols {
    functions: BTreeMap<u64, (u64, Vec<String>)>,
}

impl Symbols {
    fn read(binary: &Path) -> Result<Symbols, String> {
        let output = Command::new("nm")
            .args(["-S", "--defined-only"])
            .arg(binary)
            .output()
            .map_err(|e| format!("cannot run nm: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "nm {} failed ({})",
                binary.display(),
                output.status
            ));
        }
        let mut functions: BTreeMap<u64, (u64, Vec<String>)> = BTreeMap::new();
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [start, size, kind, name] = fields.as_slice() else {
                continue;
            };
            if !matches!(*kind, "t" | "T" | "w" | "W") {
                continue;
            }
            let (Ok(start), Ok(size)) = (
                u64::from_str_radix(start, 16),
                u64::from_str_radix(size, 16),
            ) else {
                continue;
            };
            let entry = functions.entry(start).or_default();
            entry.0 = entry.0.max(size);
            entry.1.push((*name).to_string());
        }
        Ok(Symbols { functions })
    }

    /// The names of the function that contains `address`.
    fn at(&self, address: u64) -> Option<&[String]> {
        let (start, (size, names)) = self.functions.range(..=address).next_back()?;
        (address < start + (*size).max(1)).then_some(names.as_slice())
    }
}

/// The section-name pattern (after `.text.`) for a function symbol, without what changes
/// from one build or toolchain to the next.
fn pattern(name: &str) -> String {
    let name = match name.rsplit_once(".llvm.") {
        Some((base, suffix)) if suffix.bytes().all(|b| b.is_ascii_digit()) => base,
        _ => name,
    };
    if name.starts_with("_ZN") {
        // Legacy mangling: `...17h<16 hex digits>E`.
        if let Some(stem) = name.strip_suffix('E') {
            if let Some((path, hash)) = stem.rsplit_once("17h") {
                if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return format!("{path}17h*");
                }
            }
        }
        return name.to_string();
    }
    if name.starts_with("_R") {
        // v0 mangling: a crate's disambiguator `Cs<base 62>_` and back-references
        // `B<base 62>_` (offsets into the name, so they move when a disambiguator's length
        // does) become `*`.
        let mut out = String::new();
        let mut rest = name;
        while !rest.is_empty() {
            let skip = ["Cs", "B"].iter().find_map(|lead| {
                let tail = rest.strip_prefix(lead)?;
                let digits = tail.bytes().take_while(u8::is_ascii_alphanumeric).count();
                (tail.as_bytes().get(digits) == Some(&b'_'))
                    .then_some((*lead, lead.len() + digits + 1))
            });
            match skip {
                Some((lead, len)) => {
                    out.push_str(lead);
                    out.push_str("*_");
                    rest = rest.get(len..).unwrap_or("");
                }
                None => {
                    let next = rest.chars().next().map_or(1, char::len_utf8);
                    out.push_str(rest.get(..next).unwrap_or(""));
                    rest = rest.get(next..).unwrap_or("");
                }
            }
        }
        return format!("{out}*");
    }
    name.to_string()
}

/// The linker script: an `.text` output section with the executed functions first (the C
/// runtime's start-up code, then the patterns, each in `.text.` or, when LLVM found it cold,
/// `.text.unlikely.`), then everything else as the default layout has it. `INSERT` keeps the
/// linker's own layout for every other section (GNU ld and lld both).
fn render(patterns: &BTreeSet<String>) -> String {
    let mut script = String::from(
        "/* dbg-gdbserver's executed functions first in .text: far fewer pages mapped (issue 15).\n   \
         Generated by `cargo xtask hot-text` (see xtask/src/hot_text.rs); do not edit. A\n   \
         pattern that matches nothing only leaves its function among the others. */\n\
         SECTIONS {\n  .text : {\n    \
         *crt1.o(.text) *crti.o(.text) *crtbegin*.o(.text) *crtend*.o(.text) *crtn.o(.text)\n",
    );
    for pattern in patterns {
        script.push_str(&format!(
            "    *(.text.{pattern} .text.unlikely.{pattern})\n"
        ));
    }
    script.push_str("    *(.text .text.*)\n  }\n} INSERT BEFORE .fini;\n");
    script
}

#[cfg(test)]
mod tests {
    use super::pattern;

    #[test]
    fn patterns_drop_what_changes_between_builds() {
        assert_eq!(
            pattern("_ZN13dbg_gdbserver4main17hc63def2d451af8a1E"),
            "_ZN13dbg_gdbserver4main17h*"
        );
        assert_eq!(
            pattern("_ZN4core3fmt5write17h0123456789abcdefE.llvm.12414673921149814031"),
            "_ZN4core3fmt5write17h*"
        );
        assert_eq!(
            pattern("_RNvXs3_NtNtNtCsjrHSEGnQ3l9_3std3sys2fd4unixNtB5_8FileDescNtNtNtNtBb_2os2fd5owned4AsFd5as_fd"),
            "_RNvXs3_NtNtNtCs*_3std3sys2fd4unixNtB*_8FileDescNtNtNtNtB*_2os2fd5owned4AsFd5as_fd*"
        );
        assert_eq!(pattern("main"), "main");
    }
}
