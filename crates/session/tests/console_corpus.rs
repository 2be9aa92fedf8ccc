//! Inputs kept from fuzzing the command language (`crates/session/fuzz`) and seeds for it:
//! each line must parse or give an error, never panic.

#[test]
fn corpus_lines_parse_or_give_errors() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/console_corpus");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        eprintln!("{}", path.display());
        dbg_session::console::parse_everything(&bytes);
        count += 1;
    }
    assert!(count > 0, "no inputs in {}", dir.display());
}
