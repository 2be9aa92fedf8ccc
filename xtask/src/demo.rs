//! `cargo xtask demo`: show dbg-cli stopping in a function of a sample program, its call
//! stack, `finish` and `next`.

use std::process::Command;

use crate::workspace::Workspace;

impl Workspace {
    pub fn demo(&self) -> Result<(), String> {
        self.run(&mut self.cargo(["build", "--package", "dbg-cli"]))?;
        self.build_fixtures()?;
        let dbg = self.target.join("debug").join("dbg-cli");
        let nested = fixtures::output_dir().join("nested");
        println!();
        println!("dbg-cli launches `nested` (a small C program, test-programs/nested.c), stops at");
        println!(
            "the function `leaf`, shows the call stack, finishes `leaf` (showing the value it"
        );
        println!("returned), steps over the next line, and lets the program run to its end:");
        println!();
        let mut command = Command::new(&dbg);
        command
            .current_dir(&self.root)
            .args(["run", "--batch", "-e", "break leaf", "-e", "continue"])
            .args([
                "-e",
                "backtrace",
                "-e",
                "finish",
                "-e",
                "next",
                "-e",
                "continue",
            ])
            .arg(&nested);
        self.run(&mut command)
    }
}
