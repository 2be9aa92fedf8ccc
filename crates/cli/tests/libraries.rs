//! Shared libraries through dbg-cli: `library` and `breakpoint resolved` events in JSON, a
//! pending breakpoint in a `dlopen`ed plugin hit after each load (and in one loaded into a
//! second namespace with `dlmopen`), `sharedlibrary list` in
//! both output modes, and a real program (`/bin/ls`) with a breakpoint in libc set before
//! libc is loaded.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;
use common::{dbg, fixture};
use serde_json::Value;

/// The JSON lines of a run's stdout.
fn json_lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}")))
        .collect()
}

#[test]
fn a_pending_breakpoint_in_a_plugin_resolves_and_hits_after_each_dlopen_in_json() {
    let plugin = fixture("libplugin.so");
    let output = dbg(&[
        "run",
        "--json",
        "--batch",
        "-e",
        "break plugin_work",
        "-e",
        "continue",
        "-e",
        "sharedlibrary list",
        "-e",
        "continue",
        "-e",
        "continue",
        &fixture("dlopener"),
        &plugin,
    ]);
    let lines = json_lines(&output.stdout);
    let set = lines
        .iter()
        .find(|l| l["type"] == "result" && l["command"] == "break plugin_work")
        .unwrap();
    assert_eq!(set["data"]["pending"], true, "{set}");
    assert_eq!(set["data"]["locations"], serde_json::json!([]));
    let is = |l: &Value, kind: &str, event: &str| l["type"] == kind && l["event"] == event;
    let plugin_loads = lines
        .iter()
        .filter(|l| is(l, "library", "loaded") && l["path"] == plugin.as_str())
        .count();
    let plugin_unloads = lines
        .iter()
        .filter(|l| is(l, "library", "unloaded") && l["path"] == plugin.as_str())
        .count();
    assert_eq!((plugin_loads, plugin_unloads), (2, 2), "{lines:#?}");
    assert!(lines
        .iter()
        .filter(|l| is(l, "library", "loaded"))
        .all(|l| l["base"].as_str().is_some_and(|b| b.starts_with("0x"))));
    let resolved: Vec<&Value> = lines
        .iter()
        .filter(|l| is(l, "breakpoint", "resolved"))
        .collect();
    assert_eq!(resolved.len(), 2, "{lines:#?}");
    assert!(resolved
        .iter()
        .all(|l| l["id"] == 1 && l["locations"][0].is_string()));
    let hits = lines
        .iter()
        .filter(|l| l["type"] == "stop" && l["reason"] == "breakpoint" && l["breakpoint"] == 1)
        .count();
    assert_eq!(hits, 2, "{lines:#?}");
    let list = lines
        .iter()
        .find(|l| l["command"] == "sharedlibrary list")
        .unwrap();
    let libraries = list["data"]["libraries"].as_array().unwrap();
    let entry = libraries
        .iter()
        .find(|lib| lib["path"] == plugin.as_str())
        .unwrap_or_else(|| panic!("{list}"));
    assert_eq!(entry["symbols"], true);
    assert_eq!(entry["debuginfo"], Value::Null);
    assert!(libraries.iter().any(|lib| lib["path"]
        .as_str()
        .is_some_and(|p| p.ends_with("/libc.so.6"))));
    assert!(lines.iter().any(|l| l["type"] == "exit" && l["code"] == 0));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_plugin_loaded_in_a_second_namespace_with_dlmopen_is_tracked_and_its_breakpoint_hits() {
    let plugin = fixture("libplugin.so");
    let output = dbg(&[
        "run",
        "--json",
        "--batch",
        "-e",
        "break plugin_work",
        "-e",
        "continue",
        "-e",
        "print x",
        "-e",
        "sharedlibrary list",
        "-e",
        "continue",
        &fixture("dlmopener"),
        &plugin,
    ]);
    let lines = json_lines(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The C library here (glibc 2.35 or later) links namespaces through `r_debug_extended`.
    assert!(stderr.contains("namespace: 41"), "{stderr}");
    let event = |kind: &str| {
        lines
            .iter()
            .filter(|l| {
                l["type"] == "library" && l["event"] == kind && l["path"] == plugin.as_str()
            })
            .count()
    };
    assert_eq!((event("loaded"), event("unloaded")), (1, 1), "{lines:#?}");
    let stop = lines
        .iter()
        .find(|l| l["type"] == "stop" && l["reason"] == "breakpoint")
        .unwrap_or_else(|| panic!("{lines:#?}"));
    assert_eq!(stop["function"], "plugin_work");
    let value = lines.iter().find(|l| l["command"] == "print x").unwrap();
    assert_eq!(value["data"]["value"], "20", "{value}");
    let list = lines
        .iter()
        .find(|l| l["command"] == "sharedlibrary list")
        .unwrap();
    assert!(
        list["data"]["libraries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|lib| lib["path"] == plugin.as_str()),
        "{list}"
    );
    assert!(lines.iter().any(|l| l["type"] == "exit" && l["code"] == 0));
}

#[test]
fn a_pending_hardware_breakpoint_takes_a_debug_register_at_each_load_and_frees_it_at_each_unload() {
    let output = dbg(&[
        "run",
        "--json",
        "--batch",
        "-e",
        "hbreak plugin_work",
        "-e",
        "continue",
        "-e",
        "continue",
        "-e",
        "breakpoint list",
        "-e",
        "continue",
        &fixture("dlopener"),
        &fixture("libplugin.so"),
    ]);
    let lines = json_lines(&output.stdout);
    let set = lines
        .iter()
        .find(|l| l["command"] == "hbreak plugin_work")
        .unwrap();
    assert_eq!(set["data"]["pending"], true, "{set}");
    let hits: Vec<&Value> = lines
        .iter()
        .filter(|l| l["type"] == "stop" && l["reason"] == "breakpoint")
        .collect();
    assert_eq!(hits.len(), 2, "{lines:#?}");
    assert!(hits.iter().all(|h| h["function"] == "plugin_work"));
    let list = lines
        .iter()
        .find(|l| l["command"] == "breakpoint list")
        .unwrap();
    assert_eq!(list["data"]["breakpoints"][0]["hits"], 2, "{list}");
    assert!(
        lines.iter().any(|l| l["type"] == "exit" && l["code"] == 0),
        "{lines:#?}"
    );
}

#[test]
fn sharedlibrary_list_and_info_sharedlibrary_in_human_output() {
    let output = dbg(&[
        "run",
        "--batch",
        "-e",
        "sharedlibrary list",
        "-e",
        "break solib_add",
        "-e",
        "continue",
        "-e",
        "info sharedlibrary",
        &fixture("solib_linked"),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("No shared libraries loaded at this time."),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "Breakpoint 1 (solib_add) pending: will resolve when a library defining it loads"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("Breakpoint 1 resolved at 0x"), "{stdout}");
    assert!(stdout.contains("(breakpoint 1)"), "{stdout}");
    let util = fixture("libsolib_util.so");
    let listed = stdout
        .lines()
        .find(|line| line.ends_with(&util))
        .unwrap_or_else(|| panic!("{util} not listed:\n{stdout}"));
    assert!(
        listed.starts_with("0x") && listed.contains(" Yes "),
        "{listed}"
    );
    assert!(
        stdout.contains(&format!("Library loaded: {util} at 0x")),
        "{stdout}"
    );
}

#[test]
fn break_opendir_at_the_first_stop_of_ls_hits_in_libc() {
    let ls = "/bin/ls";
    assert!(
        std::path::Path::new(ls).exists(),
        "this test needs /bin/ls (coreutils)"
    );
    let dir = tempfile::tempdir().unwrap();
    let output = dbg(&[
        "run",
        "--json",
        "--batch",
        "-e",
        "break opendir",
        "-e",
        "continue",
        "-e",
        "kill",
        ls,
        &dir.path().display().to_string(),
    ]);
    let lines = json_lines(&output.stdout);
    let set = lines
        .iter()
        .find(|l| l["command"] == "break opendir")
        .unwrap();
    // At the entry stop libc is not mapped: the breakpoint is pending, or (where ld.so's
    // separate debug file names its own internal `opendir`) has a location in ld.so only;
    // either way it gains libc's when libc loads.
    let locations = set["data"]["locations"].as_array().map_or(0, Vec::len);
    assert!(set["data"]["pending"] == true || locations == 1, "{set}");
    assert!(lines
        .iter()
        .any(|l| l["type"] == "breakpoint" && l["event"] == "resolved" && l["id"] == 1));
    let stop = lines
        .iter()
        .find(|l| l["type"] == "stop" && l["reason"] == "breakpoint")
        .unwrap_or_else(|| panic!("{lines:#?}"));
    assert_eq!(stop["breakpoint"], 1);
}

/// A real interpreter: `break PyList_Append` at the first stop (python3's own symbol), then a
/// pending breakpoint in a C extension module that `import json` loads with `dlopen`.
#[test]
fn python3_stops_in_its_own_function_and_in_an_extension_module_it_imports() {
    let python = "/usr/bin/python3";
    assert!(
        std::path::Path::new(python).exists(),
        "{python} is missing: .ci/run installs python3"
    );
    let output = dbg(&[
        "run",
        "--json",
        "--batch",
        "-e",
        "break PyList_Append",
        "-e",
        "continue",
        "-e",
        "delete 1",
        "-e",
        "break PyInit__json",
        "-e",
        "continue",
        "-e",
        "backtrace 1",
        "-e",
        "continue",
        python,
        "-c",
        "l = []; l.append(1); import json; print(json.dumps(l))",
    ]);
    let lines = json_lines(&output.stdout);
    let stops: Vec<&Value> = lines.iter().filter(|l| l["type"] == "stop").collect();
    let functions: Vec<&Value> = stops.iter().map(|s| &s["function"]).collect();
    assert_eq!(
        functions,
        [
            &Value::Null,
            &Value::from("PyList_Append"),
            &Value::from("PyInit__json")
        ],
        "{lines:#?}"
    );
    let set = lines
        .iter()
        .find(|l| l["command"] == "break PyInit__json")
        .unwrap();
    assert_eq!(set["data"]["pending"], true, "{set}");
    assert!(lines.iter().any(|l| l["type"] == "library"
        && l["event"] == "loaded"
        && l["path"].as_str().is_some_and(|p| p.contains("/_json."))));
    assert!(
        lines.iter().any(|l| l["type"] == "exit" && l["code"] == 0),
        "{lines:#?}"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("[1]"));
}
