//! Where things are and how commands run: the workspace root (every command runs there), the
//! cargo target directory and the cargo that started us; commands echoed as a user would type
//! them, run, timed; and the C fixtures built.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Where things are: the workspace root (every command runs there), the cargo target
/// directory, and the cargo that started us.
#[derive(Debug)]
pub struct Workspace {
    pub root: PathBuf,
    pub target: PathBuf,
    pub cargo: OsString,
}

impl Workspace {
    pub fn locate() -> Workspace {
        let fixtures_dir = fixtures::output_dir();
        let target = fixtures_dir
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or(fixtures_dir);
        Workspace {
            root: fixtures::workspace_root(),
            target,
            cargo: std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()),
        }
    }

    pub fn cargo<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        let mut command = Command::new(&self.cargo);
        command
            .current_dir(&self.root)
            .args(args.into_iter().map(Into::into));
        command
    }

    /// A command line as a user would type it in the workspace root.
    pub fn shell_line(&self, command: &Command) -> String {
        let program = Path::new(command.get_program());
        let program = if program.is_absolute() {
            self.show_path(program)
        } else {
            program.display().to_string()
        };
        let mut line = if program == self.cargo.to_string_lossy() {
            "cargo".to_string()
        } else {
            quote(&program)
        };
        for arg in command.get_args() {
            let arg = Path::new(arg);
            let shown = if arg.is_absolute() {
                self.show_path(arg)
            } else {
                arg.display().to_string()
            };
            line.push(' ');
            line.push_str(&quote(&shown));
        }
        line
    }

    /// `path` relative to the workspace root when it is inside it.
    pub fn show_path(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .display()
            .to_string()
    }

    /// Echo `command`, run it with our standard streams, and fail if it fails.
    pub fn run(&self, command: &mut Command) -> Result<(), String> {
        let line = self.shell_line(command);
        println!("$ {line}");
        let status = command
            .status()
            .map_err(|e| format!("cannot run `{line}`: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`{line}` failed ({status})"))
        }
    }

    pub fn build_fixtures(&self) -> Result<(), String> {
        let dir = self.show_path(&fixtures::output_dir());
        let built = fixtures::build_all().map_err(|e| format!("cannot build the fixtures: {e}"))?;
        if built.is_empty() {
            println!("fixtures: all up to date in {dir}");
        } else {
            println!("fixtures: built {} in {dir}", built.join(", "));
        }
        Ok(())
    }

    /// Run `command` with its output captured (unless it goes elsewhere already), and return
    /// its wall time.
    pub fn timed(&self, command: &mut Command) -> Result<Duration, String> {
        self.timed_output(command).map(|(elapsed, _)| elapsed)
    }

    /// [`Workspace::timed`], with the output.
    pub fn timed_output(&self, command: &mut Command) -> Result<(Duration, Output), String> {
        command.current_dir(&self.root).stdin(Stdio::null());
        let start = Instant::now();
        let output = command
            .output()
            .map_err(|e| format!("cannot run `{}`: {e}", self.shell_line(command)))?;
        let elapsed = start.elapsed();
        if output.status.success() {
            Ok((elapsed, output))
        } else {
            Err(format!(
                "`{}` failed ({}):\n{}{}",
                self.shell_line(command),
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    }
}

/// Quote a word for a POSIX shell when it needs it.
pub fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        word.to_string()
    } else if !word.contains(['"', '$', '`', '\\', '!']) {
        format!("\"{word}\"")
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}
