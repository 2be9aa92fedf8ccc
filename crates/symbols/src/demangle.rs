//! Demangling of Rust (legacy and v0) and C++ (Itanium) symbol names, and matching a name the
//! user typed against a demangled one.

use std::borrow::Cow;

/// The readable form of a symbol name: Rust names without their hash (`bigbin::main`), C++
/// names with their parameter list (`add(int, int)`), anything else unchanged.
pub fn demangle(raw: &str) -> Cow<'_, str> {
    if !(raw.starts_with("_Z") || raw.starts_with("_R") || raw.starts_with("__Z")) {
        return Cow::Borrowed(raw);
    }
    if let Ok(rust) = rustc_demangle::try_demangle(raw) {
        return Cow::Owned(format!("{rust:#}"));
    }
    if let Ok(symbol) = cpp_demangle::Symbol::new(raw.as_bytes()) {
        if let Ok(text) = symbol.demangle() {
            return Cow::Owned(gnu_special_name(text));
        }
    }
    Cow::Borrowed(raw)
}

/// cpp_demangle writes two special names its own way (`{vtable(T)}`, `{vtt(T)}`); gdb and
/// c++filt write `vtable for T` and `VTT for T`, which is what users see in `0x... <vtable
/// for Circle+16>`.
fn gnu_special_name(text: String) -> String {
    for (theirs, ours) in [("{vtable(", "vtable for "), ("{vtt(", "VTT for ")] {
        if let Some(inner) = text.strip_prefix(theirs).and_then(|t| t.strip_suffix(")}")) {
            return format!("{ours}{inner}");
        }
    }
    text
}

/// The name without a C++ parameter list and qualifiers: `ns::add(int, int) const` → `ns::add`.
pub fn without_parameters(name: &str) -> &str {
    let bytes = name.as_bytes();
    let mut depth = 0usize;
    let mut index = 0;
    while let Some(&c) = bytes.get(index) {
        match c {
            b'<' => depth += 1,
            b'>' => depth = depth.saturating_sub(1),
            b'(' if depth == 0 && index > 0 => {
                let prefix = name.get(..index).unwrap_or(name);
                if prefix.ends_with("operator") && bytes.get(index + 1) == Some(&b')') {
                    // `operator()` is a name, not a parameter list.
                    index += 2;
                    continue;
                }
                return prefix;
            }
            _ => {}
        }
        index += 1;
    }
    name
}

/// Whether `query` names the function `name` (demangled), as gdb's wild matching does: the
/// whole name, or its trailing `::`-separated components (`main` matches `bigbin::main`,
/// `Shape::area` matches `geo::Shape::area(int) const`). A query with a parameter list must
/// match the parameter list too.
pub fn matches(name: &str, query: &str) -> bool {
    let (name, query) = if without_parameters(query) != query {
        (name, query)
    } else {
        (without_parameters(name), query)
    };
    name == query
        || name
            .strip_suffix(query)
            .is_some_and(|prefix| prefix.ends_with("::"))
}

/// The last `::` component of a query, without a parameter list: the part that must appear
/// verbatim inside a mangled name for it to possibly match.
pub fn last_component(query: &str) -> &str {
    let base = without_parameters(query);
    base.rsplit("::").next().unwrap_or(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_and_cpp_names() {
        assert_eq!(
            demangle("_ZN6bigbin4main17h0123456789abcdefE"),
            "bigbin::main"
        );
        assert_eq!(demangle("_Z3addii"), "add(int, int)");
        assert_eq!(
            demangle("_ZNK3geo5Shape4areaEv"),
            "geo::Shape::area() const"
        );
        assert_eq!(demangle("_ZTVN3geo6CircleE"), "vtable for geo::Circle");
        assert_eq!(demangle("_ZTTN3geo6CircleE"), "VTT for geo::Circle");
        assert_eq!(demangle("_ZTIN3geo6CircleE"), "typeinfo for geo::Circle");
        assert_eq!(demangle("main"), "main");
        assert_eq!(demangle("_Zgarbage"), "_Zgarbage");
    }

    #[test]
    fn wild_matching() {
        assert!(matches("bigbin::main", "main"));
        assert!(matches("bigbin::main", "bigbin::main"));
        assert!(!matches("bigbin::domain", "main"));
        assert!(matches("add(int, int)", "add"));
        assert!(matches("add(int, int)", "add(int, int)"));
        assert!(!matches("add(int, int)", "add(double)"));
        assert!(matches("geo::Shape::area() const", "Shape::area"));
        assert!(matches("operator()(int)", "operator()"));
        assert_eq!(last_component("geo::Shape::area"), "area");
        assert_eq!(
            without_parameters("std::vector<int(int)>::at(unsigned long)"),
            "std::vector<int(int)>::at"
        );
    }
}
