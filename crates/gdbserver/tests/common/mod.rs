//! What the server's tests share: starting `dbg-gdbserver` (or Debian's `gdbserver`, the
//! reference) on a free port, driving the real gdb in batch mode against it, raw protocol
//! packets, and transcripts made comparable (pids, addresses, file-transfer chatter).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};

/// Our server.
pub const SERVER: &str = env!("CARGO_BIN_EXE_dbg-gdbserver");

/// A fixture's path.
pub fn fixture(name: &str) -> String {
    fixtures::path(name).display().to_string()
}

/// A running server and what it printed.
pub struct Server {
    child: Child,
    /// The port it listens on.
    pub port: u16,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

fn drain(
    mut from: impl Read + Send + 'static,
    into: Arc<Mutex<String>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 {
                break;
            }
            into.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    })
}

impl Server {
    /// Start `server` (a path) with `args`, and wait for it to say where it listens.
    pub fn start_with(server: &str, args: &[&str]) -> Server {
        let mut child = Command::new(server)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {server}: {e}"));
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut said = String::new();
        let port = loop {
            let mut line = String::new();
            if stderr.read_line(&mut line).unwrap() == 0 {
                let status = child.wait().unwrap();
                panic!("{server} {args:?} ended ({status}) before listening:\n{said}");
            }
            said.push_str(&line);
            if let Some(port) = line.trim().strip_prefix("Listening on port ") {
                break port.parse().unwrap();
            }
        };
        let stderr_text = Arc::new(Mutex::new(said));
        let stdout_text = Arc::new(Mutex::new(String::new()));
        let readers = vec![
            drain(stderr, stderr_text.clone()),
            drain(child.stdout.take().unwrap(), stdout_text.clone()),
        ];
        Server {
            child,
            port,
            stdout: stdout_text,
            stderr: stderr_text,
            readers,
        }
    }

    /// Our server, serving only the first client: `dbg-gdbserver --once 127.0.0.1:0 ARGS`.
    pub fn once(program_and_args: &[&str]) -> Server {
        let mut args = vec!["--once", "127.0.0.1:0"];
        args.extend_from_slice(program_and_args);
        Server::start_with(SERVER, &args)
    }

    /// Debian's gdbserver with the same arguments: the reference.
    pub fn reference(program_and_args: &[&str]) -> Server {
        let found = Command::new("gdbserver").arg("--version").output();
        assert!(
            found.is_ok_and(|out| out.status.success()),
            "gdbserver (the reference) is not installed: `bash .ci/run` installs it"
        );
        let mut args = vec!["--once", "127.0.0.1:0"];
        args.extend_from_slice(program_and_args);
        Server::start_with("gdbserver", &args)
    }

    /// The address to give gdb.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Wait for the server to end: its status, stdout and stderr.
    pub fn wait(mut self) -> (ExitStatus, String, String) {
        let status = self.child.wait().unwrap();
        for reader in self.readers.drain(..) {
            reader.join().unwrap();
        }
        let stdout = self.stdout.lock().unwrap().clone();
        let stderr = self.stderr.lock().unwrap().clone();
        (status, stdout, stderr)
    }

    /// Run gdb with `commands`, then wait for the server: its status, stdout and stderr.
    pub fn wait_after_gdb(self, commands: &[&str]) -> (ExitStatus, String, String) {
        let _ = gdb(&self.address(), commands);
        self.wait()
    }

    /// What the server printed on stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// gdb's stdout and stderr for `commands` run in batch mode after `target remote ADDRESS`.
pub fn gdb(address: &str, commands: &[&str]) -> (String, String) {
    gdb_target("remote", address, commands)
}

/// As [`gdb`], with `target KIND ADDRESS` (`remote` or `extended-remote`).
pub fn gdb_target(kind: &str, address: &str, commands: &[&str]) -> (String, String) {
    let mut args = vec![
        "-nx".to_string(),
        "-batch".to_string(),
        "-ex".to_string(),
        "set width 0".to_string(),
        "-ex".to_string(),
        format!("target {kind} {address}"),
    ];
    for command in commands {
        args.push("-ex".into());
        args.push((*command).into());
    }
    let output = Command::new("gdb")
        .args(&args)
        .stdin(Stdio::null())
        .output()
        .expect("gdb is needed for these tests: `bash .ci/run` installs it");
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A transcript with what legitimately differs between two servers (and two runs) taken
/// out: process and thread ids, addresses, large decimal numbers, and gdb's chatter about
/// reading files from the target.
pub fn normalize(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with("Reading ")
            || line.contains("File transfers from remote targets can be slow")
            || line.contains("does not support file transfer")
            || line.contains("unable to open /proc file")
        {
            continue;
        }
        let line = line.replace("target:", "");
        let line = mask_ids(&line, "process ");
        let line = mask_ids(&line, "Thread ");
        out.push_str(&mask_numbers(&line));
        out.push('\n');
    }
    out
}

/// The digits (and dots) after each `prefix` become `N`: process and thread ids.
fn mask_ids(line: &str, prefix: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find(prefix) {
        let (before, after) = rest.split_at(at + prefix.len());
        out.push_str(before);
        let digits = after
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(after.len());
        if digits > 0 {
            out.push('N');
        }
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// Hex numbers of 5 digits and more become `0xN`, decimal runs of 5 digits and more `N`.
fn mask_numbers(line: &str) -> String {
    let bytes = line.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'0' && bytes.get(i + 1) == Some(&b'x') {
            let start = i + 2;
            let mut end = start;
            while end < bytes.len() && bytes[end].is_ascii_hexdigit() {
                end += 1;
            }
            if end - start >= 5 {
                out.push_str("0xN");
            } else {
                out.push_str(&line[i..end]);
            }
            i = end;
        } else if bytes[i].is_ascii_digit() {
            let mut end = i;
            while end < bytes.len() && bytes[end].is_ascii_digit() {
                end += 1;
            }
            if end - i >= 5 {
                out.push('N');
            } else {
                out.push_str(&line[i..end]);
            }
            i = end;
        } else {
            let c = line[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// A raw protocol connection, for what gdb never sends (garbage) or cannot (abrupt ends).
pub struct Raw {
    pub stream: TcpStream,
}

impl Raw {
    pub fn connect(address: &str) -> Raw {
        let stream = TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(30)))
            .unwrap();
        Raw { stream }
    }

    /// Send `$BODY#CS` (a connection the server closed shows in the next [`Raw::reply`]).
    pub fn send(&mut self, body: &str) {
        let sum = body.bytes().fold(0u8, |a, b| a.wrapping_add(b));
        let _ = write!(self.stream, "${body}#{sum:02x}");
    }

    /// Send raw bytes (as [`Raw::send`]).
    pub fn send_bytes(&mut self, bytes: &[u8]) {
        let _ = self.stream.write_all(bytes);
    }

    /// The next reply packet's body (acks skipped); `None` when the connection closed.
    pub fn reply(&mut self) -> Option<String> {
        let mut byte = [0u8; 1];
        loop {
            if self.stream.read(&mut byte).ok()? == 0 {
                return None;
            }
            if byte[0] == b'$' {
                break;
            }
        }
        let mut body = Vec::new();
        loop {
            if self.stream.read(&mut byte).ok()? == 0 {
                return None;
            }
            if byte[0] == b'#' {
                break;
            }
            body.push(byte[0]);
        }
        let mut checksum = [0u8; 2];
        self.stream.read_exact(&mut checksum).ok()?;
        self.send_bytes(b"+");
        Some(String::from_utf8_lossy(&body).into_owned())
    }

    /// Send a packet and return its reply.
    pub fn ask(&mut self, body: &str) -> Option<String> {
        self.send(body);
        self.reply()
    }
}

/// Whether process `pid` exists (and is not a zombie).
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}
