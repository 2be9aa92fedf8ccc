//! Inputs kept from fuzzing the server's packet handling (`crates/gdbserver/fuzz`) and seeds
//! for it, replayed against the `hello` fixture, which stays stopped at its first
//! instruction: each must be answered (with errors where it is wrong), never panic or hang,
//! and leave no process behind.
#![allow(clippy::panic)]

#[test]
fn corpus_inputs_are_answered() {
    let program = fixtures::path("hello");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/packets_corpus");
    let _deadline = fixtures::deadline("replaying the packets corpus", 120);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        eprintln!("{}", path.display());
        dbg_gdbserver::replay(&program, &bytes)
            .unwrap_or_else(|e| panic!("{}: cannot launch hello: {e}", path.display()));
        count += 1;
    }
    assert!(count > 0, "no inputs in {}", dir.display());
}
