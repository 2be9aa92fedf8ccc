//! The scenario of `tests/client/scenario.test.js`, driven by VS Code's own `DebugClient`
//! (`@vscode/debugadapter-testsupport`), run with node's test runner against the `dbg-dap`
//! binary. `cargo xtask test` installs the npm package (`npm ci` in `tests/client`); without
//! it, or without node, this test fails and says so.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

#[test]
fn vscode_debug_client_scenario() {
    let _deadline = fixtures::deadline("vscode_debug_client_scenario", 120);
    let client = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/client");
    let package = client.join("node_modules/@vscode/debugadapter-testsupport");
    assert!(
        package.is_dir(),
        "{} is missing: `cargo xtask test` installs it (or run `npm ci` in {})",
        package.display(),
        client.display()
    );
    let output = Command::new("node")
        .args(["--test", "scenario.test.js"])
        .current_dir(&client)
        .env("DBG_DAP", env!("CARGO_BIN_EXE_dbg-dap"))
        .env("DBG_DAP_PROGRAM", fixtures::path("dap_demo"))
        .env("DBG_DAP_SOURCE", fixtures::source_dir().join("dap_demo.c"))
        .env("DBG_DAP_RUST_PROGRAM", fixtures::path("values_rs"))
        .output()
        .unwrap_or_else(|error| panic!("cannot run node (install nodejs; .ci/run does): {error}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the DebugClient scenario failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    // node's runner says how many ran: four tests, and they passed.
    assert!(stdout.contains("# pass 4"), "{stdout}");
}
