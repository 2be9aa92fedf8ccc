//! `cargo xtask test`: build the C fixtures, then run every test of the workspace, each run to
//! its end so that one failing run does not hide another.

use crate::workspace::Workspace;

impl Workspace {
    pub fn test(&self, extra: &[String]) -> Result<(), String> {
        self.build_fixtures()?;
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
