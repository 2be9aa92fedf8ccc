//! C++ values as a gdb user sees them: `print`, `info locals`/`info args`, `whatis` and
//! `ptype` on the values_cpp.cpp fixture (namespaces, classes, inheritance, a virtual
//! class, static members, references, enum class, `this` in a method, std::string and
//! std::vector), checked against what gdb prints for the same commands in the same program.
//! gdb runs with libstdc++'s pretty printers registered, as a gdb user's does, so that
//! standard library values are compared by their contents.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use common::{answers, assert_same, fixture, print_command, run_dbg, run_gdb_after};

/// libstdc++'s printers, from where the compiler installs them (gdb may also auto-load
/// them with the library; registering them first makes the comparison not depend on it).
const PRINTERS: &str = "python import sys; sys.path.insert(0, '/usr/share/gcc/python'); \
     from libstdcxx.v6.printers import register_libstdcxx_printers; \
     register_libstdcxx_printers(None)";

/// Expressions printed in `show_values`'s frame (`up` from `checkpoint`).
const EXPRESSIONS: &[&str] = &[
    "member",
    "null_member",
    "method",
    "number",
    "ref",
    "cref",
    "yes",
    "no",
    "color",
    "odd_color",
    "point",
    "point_ref",
    "null",
    "circle",
    "shape",
    "*shape",
    "shape_ref",
    "shape->name_",
    "derived",
    "derived.b + derived.a",
    "counter",
    "empty",
    "short_text",
    "long_text",
    "with_quote",
    "numbers",
    "no_numbers",
    "words",
    "points",
    "geo::Shape::count",
    "circle.count",
    "circle.center.x",
    "&ref",
    "&circle",
    "*&circle",
    "geo::Color::Blue",
    "(int)color",
    "color == geo::Color::Green",
    "/x counter",
    "/x circle.center",
    "sizeof(circle)",
];

/// Types asked with `whatis` and `ptype` (not of classes with member functions: see the
/// module documentation of dbg-expr's ptype).
const TYPES: &[&str] = &[
    "whatis ref",
    "whatis member",
    "whatis method",
    "ptype member",
    "ptype ref",
    "whatis cref",
    "whatis rref",
    "ptype rref",
    "whatis point",
    "ptype point",
    "ptype geo::Point",
    "whatis color",
    "ptype color",
    "ptype geo::Color",
    "whatis circle",
    "whatis shape",
    "whatis shape_ref",
    "whatis derived",
    "ptype derived",
    "ptype struct Base2",
    "ptype circle",
    "ptype counter",
    "ptype shape",
    "ptype geo::Shape",
    "whatis numbers",
    "whatis &numbers",
    "whatis words",
    "whatis points",
    "whatis short_text",
    "whatis long_text",
    "whatis circle.center",
    "whatis geo::Shape::count",
];

fn compare(commands: &[String], at_least: usize) {
    let program = fixture("values_cpp");
    let (ours, transcript) = run_dbg(&program, commands);
    let theirs = run_gdb_after(&program, &[PRINTERS], commands);
    let (ours, theirs) = (answers(&ours), answers(&theirs));
    assert!(theirs.len() >= at_least, "gdb printed: {theirs:#?}");
    assert_same(&ours, &theirs, &transcript);
}

#[test]
fn print_shows_cpp_values_as_gdb_does() {
    let commands: Vec<String> = EXPRESSIONS.iter().map(|e| print_command(e)).collect();
    compare(&commands, EXPRESSIONS.len());
}

#[test]
fn cpp_locals_and_args_are_listed_as_gdb_lists_them() {
    let commands: Vec<String> = ["info locals", "info args", "down", "info args"]
        .iter()
        .map(|c| c.to_string())
        .collect();
    compare(&commands, 25);
}

#[test]
fn cpp_types_are_described_as_gdb_describes_them() {
    let commands: Vec<String> = TYPES.iter().map(|c| c.to_string()).collect();
    compare(&commands, TYPES.len());
}

/// In a method, `this` is an argument and the class's members are names (gdb looks them
/// up after the locals), in the method and in its caller, another method.
#[test]
fn members_are_names_inside_a_method() {
    let commands: Vec<String> = [
        "continue",
        "print *this",
        "print this",
        "print this->center",
        "print center",
        "print radius",
        "print count",
        "print extra",
        "info args",
        "info locals",
        "up",
        "info args",
        "info locals",
        "print local",
        "print center.y",
        "print name_",
    ]
    .iter()
    .map(|c| c.to_string())
    .collect();
    compare(&commands, 15);
}

/// The standard library's text, as SPEC §3 asks for, whatever gdb on the host prints.
#[test]
fn standard_strings_and_vectors_print_by_their_contents() {
    let program = fixture("values_cpp");
    let commands: Vec<String> = ["short_text", "long_text", "numbers", "no_numbers", "words"]
        .iter()
        .map(|e| print_command(e))
        .collect();
    let (ours, transcript) = run_dbg(&program, &commands);
    assert_eq!(
        answers(&ours),
        [
            "$1 = \"short\"",
            "$2 = \"a longer string that does not fit in the small buffer\"",
            "$3 = std::vector of length 3, capacity 4 = {1, 2, 3}",
            "$4 = std::vector of length 0, capacity 0",
            "$5 = std::vector of length 3, capacity 3 = {\"one\", \"two\", \"three\"}",
        ],
        "{transcript}"
    );
}
