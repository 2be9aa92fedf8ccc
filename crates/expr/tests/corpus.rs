//! Inputs kept from fuzzing (`crates/expr/fuzz`) and seeds for it: each must give values or
//! errors, never a panic.

#[test]
fn corpus_inputs_give_values_or_errors() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        dbg_expr::try_everything(&bytes);
        count += 1;
    }
    assert!(count > 0, "no inputs in {}", dir.display());
}
