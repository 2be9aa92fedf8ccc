//! The layer rule of SPEC §1, checked as an ordinary test: a `dbg-*` crate depends (normally,
//! at build time or in its tests) only on `dbg-*` crates of a lower layer; every `dbg-*` crate
//! is in the layer list; a layered crate uses the test-support crate `fixtures` only as a
//! dev-dependency (`xtask`, which builds the fixtures, uses it directly); nothing depends on
//! `xtask`.
//!
//! Change [`LAYERS`] together with `docs/ARCHITECTURE.md`.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// The layers, lowest first; crates in one layer may not depend on each other.
const LAYERS: &[&[&str]] = &[
    &["dbg-sys"],
    &["dbg-pipe"],
    &["dbg-process"],
    &["dbg-memory"],
    &["dbg-watch"],
    &["dbg-symbols", "dbg-expr"],
    &["dbg-session"],
    &["dbg-cli", "dbg-gdbserver", "dbg-dap"],
];

/// Workspace crates outside the layers: test support, which a layered crate may use as a
/// dev-dependency only.
const DEV_ONLY: &[&str] = &["fixtures"];
/// Workspace crates nothing may depend on.
const NEVER_DEPENDED_ON: &[&str] = &["xtask"];

fn layer(name: &str) -> Option<usize> {
    LAYERS.iter().position(|names| names.contains(&name))
}

/// Every break of the rule in `cargo metadata --no-deps` output, one line each.
fn check(metadata: &Value) -> Result<Vec<String>, String> {
    let packages = metadata
        .get("packages")
        .and_then(Value::as_array)
        .ok_or("metadata has no packages")?;
    let name_of = |package: &Value| -> Result<String, String> {
        package
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("a package without a name: {package}"))
    };
    let members: Vec<String> = packages.iter().map(name_of).collect::<Result<_, _>>()?;
    let mut problems = Vec::new();
    for package in packages {
        let me = name_of(package)?;
        let my_layer = layer(&me);
        let support = DEV_ONLY.contains(&me.as_str()) || NEVER_DEPENDED_ON.contains(&me.as_str());
        if my_layer.is_none() && !support {
            problems.push(format!(
                "{me}: not in the layer list (add it to LAYERS in xtask/tests/layers.rs and to \
                 docs/ARCHITECTURE.md)"
            ));
        }
        let dependencies = package
            .get("dependencies")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("{me}: no dependency list"))?;
        for dependency in dependencies {
            let dep = dependency
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{me}: a dependency without a name"))?;
            if !members.iter().any(|member| member == dep) {
                continue; // not a workspace crate
            }
            let kind = dependency
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or("normal");
            if NEVER_DEPENDED_ON.contains(&dep) {
                problems.push(format!(
                    "{me} -> {dep} ({kind}): nothing may depend on {dep}"
                ));
            } else if DEV_ONLY.contains(&dep) {
                if kind != "dev" && my_layer.is_some() {
                    problems.push(format!(
                        "{me} -> {dep} ({kind}): {dep} is test support, a dev-dependency only"
                    ));
                }
            } else if let (Some(mine), Some(theirs)) = (my_layer, layer(dep)) {
                if theirs >= mine {
                    let how = if theirs == mine {
                        "the same"
                    } else {
                        "a higher"
                    };
                    problems.push(format!(
                        "{me} -> {dep} ({kind}): depends on a crate of {how} layer"
                    ));
                }
            }
        }
    }
    Ok(problems)
}

#[test]
fn workspace_crates_depend_only_on_lower_layers() -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--manifest-path",
        ])
        .arg(&manifest)
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cargo metadata printed no JSON: {e}"))?;
    let problems = check(&metadata)?;
    assert!(
        problems.is_empty(),
        "the layer rule is broken:\n  {}",
        problems.join("\n  ")
    );
    Ok(())
}

/// A dependency in a hand-written case: its name and kind (`None` for a normal one).
type Dep<'a> = (&'a str, Option<&'a str>);

/// `check` on a hand-written workspace of (package, its dependencies).
fn check_case(packages: &[(&str, &[Dep])]) -> Result<Vec<String>, String> {
    let packages: Vec<Value> = packages
        .iter()
        .map(|(name, deps)| {
            let deps: Vec<Value> = deps
                .iter()
                .map(|(dep, kind)| serde_json::json!({ "name": dep, "kind": kind }))
                .collect();
            serde_json::json!({ "name": name, "dependencies": deps })
        })
        .collect();
    check(&serde_json::json!({ "packages": packages }))
}

#[test]
fn downward_edges_pass() -> Result<(), String> {
    let problems = check_case(&[
        ("dbg-sys", &[("libc", None), ("nix", None)]),
        (
            "dbg-process",
            &[
                ("dbg-sys", None),
                ("fixtures", Some("dev")),
                ("criterion", Some("dev")),
            ],
        ),
        ("dbg-session", &[("dbg-process", None)]),
        (
            "dbg-cli",
            &[("dbg-session", None), ("dbg-sys", Some("dev"))],
        ),
        ("fixtures", &[]),
        ("xtask", &[("fixtures", None), ("serde_json", None)]),
    ])?;
    assert_eq!(problems, Vec::<String>::new());
    Ok(())
}

#[test]
fn upward_edge_fails() -> Result<(), String> {
    let text = r#"{"packages":[
        {"name":"dbg-sys","dependencies":[{"name":"dbg-process","kind":null}]},
        {"name":"dbg-process","dependencies":[{"name":"dbg-sys","kind":null}]}
    ],"workspace_members":[]}"#;
    let metadata: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    assert_eq!(
        check(&metadata)?,
        ["dbg-sys -> dbg-process (normal): depends on a crate of a higher layer"]
    );
    Ok(())
}

#[test]
fn sideways_dev_and_build_edges_fail() -> Result<(), String> {
    let problems = check_case(&[
        ("dbg-cli", &[("dbg-dap", Some("dev"))]),
        ("dbg-dap", &[]),
        ("dbg-process", &[("dbg-session", Some("build"))]),
        ("dbg-session", &[]),
    ])?;
    assert_eq!(
        problems,
        [
            "dbg-cli -> dbg-dap (dev): depends on a crate of the same layer",
            "dbg-process -> dbg-session (build): depends on a crate of a higher layer",
        ]
    );
    Ok(())
}

#[test]
fn unlisted_crates_and_misused_support_crates_fail() -> Result<(), String> {
    let problems = check_case(&[
        ("dbg-extra", &[]),
        ("dbg-process", &[("fixtures", None)]),
        ("dbg-session", &[("xtask", Some("dev"))]),
        ("fixtures", &[]),
        ("xtask", &[]),
    ])?;
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(problems
        .iter()
        .any(|p| p.starts_with("dbg-extra: not in the layer list")));
    assert!(problems
        .iter()
        .any(|p| p.starts_with("dbg-process -> fixtures (normal)")));
    assert!(problems
        .iter()
        .any(|p| p.starts_with("dbg-session -> xtask (dev)")));
    Ok(())
}
