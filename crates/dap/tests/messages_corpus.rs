//! Inputs kept from fuzzing the adapter's message handling (`crates/dap/fuzz`) and seeds for
//! it: each must be answered (with errors where it is wrong), never panic or hang.

#[test]
fn corpus_inputs_are_answered() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/messages_corpus");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        eprintln!("{}", path.display());
        dbg_dap::answer_without_program(&bytes);
        count += 1;
    }
    assert!(count > 0, "no inputs in {}", dir.display());
}
