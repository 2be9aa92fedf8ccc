//! What C++ adds to C's types: classes with static members, scoped enums, and the names
//! gdb gives standard library types (libstdc++'s type printers write
//! `std::vector<int, std::allocator<int> >` as `std::vector<int>`).

use crate::types::TypeRc;

/// The C++ side of a struct or class: its name is qualified (`geo::Point`) and written
/// without the `struct`/`class` keyword, as gdb writes C++ type names.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CppClass {
    /// Static data members, printed among the data members (`static count = 3`).
    pub statics: Vec<StaticField>,
    /// Who may use each of the struct's fields (same order as `StructType::fields`).
    pub field_access: Vec<Access>,
    /// Member functions, in declaration order: what `ptype` lists after the data.
    pub methods: Vec<CppMethod>,
}

/// Who may use a C++ member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Access {
    /// `public`.
    #[default]
    Public,
    /// `protected`.
    Protected,
    /// `private`.
    Private,
}

impl Access {
    /// The keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            Access::Public => "public",
            Access::Protected => "protected",
            Access::Private => "private",
        }
    }
}

/// A member function, as `ptype` declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct CppMethod {
    /// Its name (`get`, `Circle`, `~Circle`).
    pub name: String,
    /// Its return type (`void` for constructors, not printed for them).
    pub ret: TypeRc,
    /// Its parameter types, without `this`.
    pub params: Vec<TypeRc>,
    /// Takes `...`.
    pub varargs: bool,
    /// `const`.
    pub is_const: bool,
    /// `virtual`.
    pub is_virtual: bool,
    /// `static`.
    pub is_static: bool,
    /// Made up by the compiler: not shown.
    pub artificial: bool,
    /// Who may call it.
    pub access: Access,
}

/// A static data member: its storage is the global `Class::name`.
#[derive(Debug, Clone, PartialEq)]
pub struct StaticField {
    /// Its name, unqualified.
    pub name: String,
    /// Its type.
    pub ty: TypeRc,
    /// How many of the class's fields come before it.
    pub position: usize,
    /// Who may use it.
    pub access: Access,
}

/// The C++ side of an enumeration: a qualified name without the `enum` keyword, and
/// enumerators named through their scope (`geo::Color::Red`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CppEnum {
    /// `enum class`.
    pub scoped: bool,
    /// The underlying type's name, which `ptype` shows (`enum class E : int {...}`).
    pub underlying: Option<String>,
}

/// A C++ type name as gdb with libstdc++'s type printers shows it: the standard
/// containers without their default template arguments, `std::basic_string<char>` as
/// `std::string`; anything else unchanged.
pub fn abbreviate(name: &str) -> String {
    let Some((template, args, rest)) = split_template(name) else {
        return name.to_string();
    };
    let args: Vec<String> = args.iter().map(|arg| abbreviate(arg)).collect();
    let first = args.first().map(String::as_str).unwrap_or_default();
    let allocator = |of: &str| format!("std::allocator<{}>", angle(of));
    let strings = [
        ("char", "std::string"),
        ("wchar_t", "std::wstring"),
        ("char8_t", "std::u8string"),
        ("char16_t", "std::u16string"),
        ("char32_t", "std::u32string"),
    ];
    match template {
        "std::__cxx11::basic_string" | "std::basic_string"
            if args.len() == 3
                && args.get(1) == Some(&format!("std::char_traits<{}>", angle(first)))
                && args.get(2) == Some(&allocator(first)) =>
        {
            if let Some((_, short)) = strings.iter().find(|(c, _)| *c == first) {
                return format!("{short}{rest}");
            }
            format!("std::basic_string<{}>{rest}", angle(first))
        }
        "std::vector" | "std::__cxx11::list" | "std::list" | "std::deque" | "std::forward_list"
            if args.len() == 2 && args.get(1) == Some(&allocator(first)) =>
        {
            let short = template.replace("std::__cxx11::", "std::");
            format!("{short}<{}>{rest}", angle(first))
        }
        _ => {
            let joined = args.join(", ");
            format!("{template}<{}>{rest}", angle(&joined))
        }
    }
}

/// Template arguments as C++03 wrote them, with a space between closing brackets
/// (`std::vector<std::vector<int> >`), as gdb prints them.
fn angle(args: &str) -> String {
    if args.ends_with('>') {
        format!("{args} ")
    } else {
        args.to_string()
    }
}

/// `ns::name<a, b<c> >::rest` as (`ns::name`, [`a`, `b<c>`], `::rest`); `None` without
/// template arguments.
fn split_template(name: &str) -> Option<(&str, Vec<&str>, &str)> {
    let open = name.find('<')?;
    let template = name.get(..open)?;
    let mut depth = 0usize;
    let mut args = Vec::new();
    let mut start = open + 1;
    for (i, c) in name.char_indices().skip(open) {
        match c {
            '<' => depth += 1,
            '>' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    args.push(name.get(start..i)?.trim());
                    return Some((template, args, name.get(i + 1..)?));
                }
            }
            ',' if depth == 1 => {
                args.push(name.get(start..i)?.trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_containers_lose_their_default_arguments() {
        let string =
            "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >";
        assert_eq!(abbreviate(string), "std::string");
        assert_eq!(
            abbreviate("std::vector<int, std::allocator<int> >"),
            "std::vector<int>"
        );
        assert_eq!(
            abbreviate(&format!(
                "std::vector<{string}, std::allocator<{string} > >"
            )),
            "std::vector<std::string>"
        );
        assert_eq!(
            abbreviate("std::vector<std::vector<int, std::allocator<int> >, std::allocator<std::vector<int, std::allocator<int> > > >"),
            "std::vector<std::vector<int> >"
        );
        assert_eq!(
            abbreviate("std::_Vector_base<int, std::allocator<int> >"),
            "std::_Vector_base<int, std::allocator<int> >"
        );
        assert_eq!(abbreviate("geo::Point"), "geo::Point");
    }
}
