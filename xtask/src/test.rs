//! `cargo xtask test`: build the C fixtures and install the npm package of the DAP client
//! scenario, then run every test of the workspace, each run to its end so that one failing
//! run does not hide another.

use crate::workspace::Workspace;

impl Workspace {
    pub fn test(&self, extra: &[String]) -> Result<(), String> {
        self.build_fixtures()?;
        self.install_dap_client()?;
        // Tests run the examples (the trace example, as a user would); `--all-targets` builds
        // examples only as test binaries, so build the real ones first.
        self.run(&mut self.cargo(["build", "--workspace", "--examples"]))?;
        let runs = [
            self.cargo(["test", "--workspace", "--all-targets", "--no-fail-fast"]),
            self.cargo(["test", "--workspace", "--doc", "--no-fail-fast"]),
        ];
        let mut failed = Vec::new();
        for mut command in runs {
            command.args(extra);
            if let Err(e) = self.run(&mut command) {
                eprintln!("xtask: {e}");
                failed.push(self.shell_line(&command));
            }
        }
        if failed.is_empty() {
            Ok(())
        } else {
            Err(format!("failed: {}", failed.join("; ")))
        }
    }
}

impl Workspace {
    /// Install `crates/dap/tests/client`'s npm packages (VS Code's `DebugClient`) as its
    /// lockfile says, unless they are installed from that lockfile already.
    fn install_dap_client(&self) -> Result<(), String> {
        let dir = self.root.join("crates/dap/tests/client");
        let modified =
            |path: &std::path::Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
        let lock = modified(&dir.join("package-lock.json"));
        let installed = modified(&dir.join("node_modules/.package-lock.json"));
        if matches!((installed, lock), (Some(installed), Some(lock)) if installed >= lock) {
            println!("npm: {} up to date", self.show_path(&dir));
            return Ok(());
        }
        let mut npm = std::process::Command::new("npm");
        npm.args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir);
        self.run(&mut npm)
    }
}
