//! Tests of the lexer and parser: each case is an input and the tree it must give, written as
//! a compact S-expression, or the error message it must give.

use super::{parse, parse_anything, parse_type, ParseError, MAX_DEPTH};
use crate::ast::{Expr, HistoryRef, IntKind, Language, Literal, TypeName, TypeOp, UnaryOp};

/// The names the tests treat as types.
fn is_type(name: &str) -> bool {
    matches!(
        name,
        "t" | "T" | "size_t" | "point_t" | "std::string" | "ns::T" | "::T" | "Wrapper"
    )
}

/// A tree as `(op operand...)`; types as `<base ops>` with the ops innermost first, which
/// reads as C for pointers and single arrays (`<char *[4]>`).
fn sexp(e: &Expr) -> String {
    match e {
        Expr::Literal(l) => literal(l),
        Expr::Name(n) => n.clone(),
        Expr::Register(r) => format!("${r}"),
        Expr::History(HistoryRef::Absolute(n)) => format!("(hist {n})"),
        Expr::History(HistoryRef::Relative(n)) => format!("(hist -{n})"),
        Expr::Unary(op, x) => {
            let op = match op {
                UnaryOp::Neg => "neg",
                UnaryOp::Plus => "pos",
                UnaryOp::Not => "not",
                UnaryOp::BitNot => "bitnot",
                UnaryOp::Deref => "deref",
                UnaryOp::AddrOf => "addr",
            };
            format!("({op} {})", sexp(x))
        }
        Expr::Binary(op, a, b) => format!("({} {} {})", binop(*op), sexp(a), sexp(b)),
        Expr::Assign(a, op, b) => {
            let op = op.map_or(String::new(), binop);
            format!("({op}= {} {})", sexp(a), sexp(b))
        }
        Expr::Conditional(c, a, b) => format!("(? {} {} {})", sexp(c), sexp(a), sexp(b)),
        Expr::Cast(t, x) => format!("(cast {} {})", ty(t), sexp(x)),
        Expr::SizeOfType(t) => format!("(sizeof {})", ty(t)),
        Expr::SizeOfExpr(x) => format!("(sizeof {})", sexp(x)),
        Expr::Index(a, i) => format!("(index {} {})", sexp(a), sexp(i)),
        Expr::Field(a, f) => format!("(. {} {f})", sexp(a)),
        Expr::Arrow(a, f) => format!("(-> {} {f})", sexp(a)),
    }
}

fn binop(op: crate::ast::BinaryOp) -> String {
    use crate::ast::BinaryOp::*;
    match op {
        Add => "+",
        Sub => "-",
        Mul => "*",
        Div => "/",
        Rem => "%",
        Shl => "<<",
        Shr => ">>",
        BitAnd => "&",
        BitOr => "|",
        BitXor => "^",
        Eq => "==",
        Ne => "!=",
        Lt => "<",
        Le => "<=",
        Gt => ">",
        Ge => ">=",
        And => "&&",
        Or => "||",
    }
    .to_owned()
}

fn literal(l: &Literal) -> String {
    match l {
        Literal::Int { value, kind } => {
            let suffix = match kind {
                IntKind::Unsuffixed => String::new(),
                IntKind::Unsigned => "u".into(),
                IntKind::Long => "l".into(),
                IntKind::UnsignedLong => "ul".into(),
                IntKind::LongLong => "ll".into(),
                IntKind::UnsignedLongLong => "ull".into(),
                IntKind::Rust { size, signed } => {
                    format!(
                        "{}{}",
                        if *signed { 'i' } else { 'u' },
                        u32::from(*size) * 8
                    )
                }
            };
            format!("{value}{suffix}")
        }
        Literal::Float { value, single } => {
            format!("{value:?}{}", if *single { "f" } else { "" })
        }
        Literal::Char(c) => format!("(char {c})"),
        Literal::Str(s) => format!("\"{}\"", s.escape_ascii()),
        Literal::Bool(b) => b.to_string(),
        Literal::Null => "null".into(),
    }
}

fn ty(t: &TypeName) -> String {
    let ops: String = t
        .ops
        .iter()
        .map(|op| match op {
            TypeOp::Pointer => "*".to_owned(),
            TypeOp::Array(n) => format!("[{n}]"),
        })
        .collect();
    if ops.is_empty() {
        format!("<{}>", t.base)
    } else {
        format!("<{} {ops}>", t.base)
    }
}

fn check_in(lang: Language, cases: &[(&str, &str)]) {
    for (input, expected) in cases {
        match parse(input, lang, &is_type) {
            Ok(e) => assert_eq!(sexp(&e), *expected, "{lang:?} {input:?}"),
            Err(e) => panic!("{lang:?} {input:?}: {e}"),
        }
    }
}

fn check_errors(lang: Language, cases: &[(&str, &str)]) {
    for (input, expected) in cases {
        match parse(input, lang, &is_type) {
            Ok(e) => panic!("{lang:?} {input:?} parsed as {}", sexp(&e)),
            Err(e) => assert_eq!(e.to_string(), *expected, "{lang:?} {input:?}"),
        }
    }
}

fn check_types(lang: Language, cases: &[(&str, &str)]) {
    for (input, expected) in cases {
        match parse_type(input, lang, &is_type) {
            Ok(t) => assert_eq!(ty(&t), *expected, "{lang:?} {input:?}"),
            Err(e) => panic!("{lang:?} {input:?}: {e}"),
        }
    }
}

#[test]
fn precedence_and_associativity() {
    check_in(
        Language::C,
        &[
            ("1 + 2 * 3", "(+ 1 (* 2 3))"),
            ("(1 + 2) * 3", "(* (+ 1 2) 3)"),
            ("a - b - c", "(- (- a b) c)"),
            ("a / b % c", "(% (/ a b) c)"),
            ("a = b = c", "(= a (= b c))"),
            ("a += b <<= 2", "(+= a (<<= b 2))"),
            ("x |= y ^= z", "(|= x (^= y z))"),
            ("*p->next", "(deref (-> p next))"),
            ("&s.f", "(addr (. s f))"),
            ("-x[1]", "(neg (index x 1))"),
            ("a[i][j]", "(index (index a i) j)"),
            ("p->a.b[2]->c", "(-> (index (. (-> p a) b) 2) c)"),
            ("a || b && c", "(|| a (&& b c))"),
            ("a | b ^ c & d", "(| a (^ b (& c d)))"),
            ("a & b == c", "(& a (== b c))"),
            ("a == b < c", "(== a (< b c))"),
            ("a < b << c", "(< a (<< b c))"),
            ("a << b + c", "(<< a (+ b c))"),
            ("a ? b : c ? d : e", "(? a b (? c d e))"),
            ("a ? b = 1 : c", "(? a (= b 1) c)"),
            ("x = a ? b : c", "(= x (? a b c))"),
            ("!a && ~b", "(&& (not a) (bitnot b))"),
            ("- - x", "(neg (neg x))"),
            ("--x", "(neg (neg x))"),
            ("**pp", "(deref (deref pp))"),
            ("&&x", "(addr (addr x))"),
            ("+x", "(pos x)"),
            ("a-1", "(- a 1)"),
            ("a&&b", "(&& a b)"),
        ],
    );
}

#[test]
fn casts_and_sizeof() {
    check_in(
        Language::C,
        &[
            ("(long)x + 1", "(+ (cast <long> x) 1)"),
            ("(x) - 1", "(- x 1)"),
            ("(t) - 1", "(cast <t> (neg 1))"),
            ("(t)-1", "(cast <t> (neg 1))"),
            ("(size_t *) p", "(cast <size_t *> p)"),
            ("(unsigned long)p", "(cast <unsigned long> p)"),
            ("(struct point *)p", "(cast <struct point *> p)"),
            ("(char **)argv", "(cast <char **> argv)"),
            ("(int [4])x", "(cast <int [4]> x)"),
            ("(char *[4])x", "(cast <char *[4]> x)"),
            ("(const char * const *)x", "(cast <char **> x)"),
            ("(volatile int)x", "(cast <int> x)"),
            ("(int)(char)x", "(cast <int> (cast <char> x))"),
            ("(int)-x", "(cast <int> (neg x))"),
            ("(int)x[1]", "(cast <int> (index x 1))"),
            ("(int)p->f", "(cast <int> (-> p f))"),
            ("(enum color)1", "(cast <enum color> 1)"),
            ("(union u *)0", "(cast <union u *> 0)"),
            ("sizeof(int)", "(sizeof <int>)"),
            ("sizeof x", "(sizeof x)"),
            ("sizeof(x)", "(sizeof x)"),
            ("sizeof(struct point)", "(sizeof <struct point>)"),
            ("sizeof (int) * 2", "(* (sizeof <int>) 2)"),
            ("sizeof x + 1", "(+ (sizeof x) 1)"),
            ("sizeof *p", "(sizeof (deref p))"),
            ("sizeof sizeof x", "(sizeof (sizeof x))"),
            ("sizeof(t)", "(sizeof <t>)"),
            ("sizeof(char *[2][3])", "(sizeof <char *[3][2]>)"),
        ],
    );
    // In C++ a type can be a path, with or without the global `::`.
    check_in(
        Language::Cpp,
        &[
            ("(std::string *)p", "(cast <std::string *> p)"),
            ("(ns::T)x", "(cast <ns::T> x)"),
            ("(::T)x", "(cast <::T> x)"),
            ("(ns::x) - 1", "(- ns::x 1)"),
            ("(class Foo *)p", "(cast <class Foo *> p)"),
            ("(wchar_t)x", "(cast <wchar_t> x)"),
            ("(bool)x", "(cast <bool> x)"),
        ],
    );
}

#[test]
fn c_type_keywords_are_normalised() {
    check_types(
        Language::C,
        &[
            ("int", "<int>"),
            ("long unsigned int", "<unsigned long>"),
            ("unsigned", "<unsigned int>"),
            ("unsigned int", "<unsigned int>"),
            ("int unsigned", "<unsigned int>"),
            ("long int", "<long>"),
            ("long", "<long>"),
            ("signed long", "<long>"),
            ("short int", "<short>"),
            ("unsigned short", "<unsigned short>"),
            ("signed", "<int>"),
            ("signed int", "<int>"),
            ("long long int", "<long long>"),
            ("long int long", "<long long>"),
            ("unsigned long long int", "<unsigned long long>"),
            ("long long unsigned", "<unsigned long long>"),
            ("signed char", "<signed char>"),
            ("char signed", "<signed char>"),
            ("unsigned char", "<unsigned char>"),
            ("char", "<char>"),
            ("long double", "<long double>"),
            ("double long", "<long double>"),
            ("float", "<float>"),
            ("double", "<double>"),
            ("void", "<void>"),
            ("void *", "<void *>"),
            ("_Bool", "<_Bool>"),
            ("bool", "<bool>"),
            ("const   unsigned\tlong *", "<unsigned long *>"),
            ("struct point", "<struct point>"),
            ("struct point *", "<struct point *>"),
            ("const struct point * const", "<struct point *>"),
            ("union u", "<union u>"),
            ("enum color", "<enum color>"),
            ("size_t", "<size_t>"),
            ("point_t **", "<point_t **>"),
            ("char *[4]", "<char *[4]>"),
            ("int [2][3]", "<int [3][2]>"),
            ("int **[0x10]", "<int **[16]>"),
        ],
    );
    check_types(
        Language::Cpp,
        &[
            ("std::string", "<std::string>"),
            ("const std::string *", "<std::string *>"),
            ("class Foo", "<class Foo>"),
            ("struct ns::Bar", "<struct ns::Bar>"),
            ("char16_t", "<char16_t>"),
        ],
    );
    let type_errors: &[(&str, &str)] = &[
        ("long char", "invalid type `long char` at column 1"),
        ("short long", "invalid type `short long` at column 1"),
        (
            "signed unsigned",
            "invalid type `signed unsigned` at column 1",
        ),
        (
            "long long long",
            "invalid type `long long long` at column 1",
        ),
        ("int int", "invalid type `int int` at column 1"),
        (
            "unsigned float",
            "invalid type `unsigned float` at column 1",
        ),
        ("void int", "invalid type `void int` at column 1"),
        ("short char", "invalid type `short char` at column 1"),
        ("char int", "invalid type `char int` at column 1"),
        ("foo", "unknown type name `foo` at column 1"),
        ("point", "unknown type name `point` at column 1"),
        ("const x", "unknown type name `x` at column 7"),
        ("", "expected a type at column 1, found end of input"),
        ("*", "expected a type at column 1, found `*`"),
        (
            "struct",
            "expected a tag name at column 7, found end of input",
        ),
        ("struct 1", "expected a tag name at column 8, found `1`"),
        ("int [x]", "expected an array length at column 6, found `x`"),
        ("int [4", "expected `]` at column 7, found end of input"),
        ("int x", "unexpected `x` at column 5"),
        ("size_t int", "unexpected `int` at column 8"),
        ("wchar_t", "unknown type name `wchar_t` at column 1"),
        (
            "int [99999999999999999999]",
            "integer literal too large at column 6",
        ),
    ];
    for (input, expected) in type_errors {
        let e = parse_type(input, Language::C, &is_type).unwrap_err();
        assert_eq!(e.to_string(), *expected, "{input:?}");
    }
}

#[test]
fn c_literals() {
    check_in(
        Language::C,
        &[
            ("0", "0"),
            ("42", "42"),
            ("0x2A", "42"),
            ("0XfF", "255"),
            ("052", "42"),
            ("0b101010", "42"),
            ("0B11", "3"),
            ("42u", "42u"),
            ("42U", "42u"),
            ("42l", "42l"),
            ("42L", "42l"),
            ("42ul", "42ul"),
            ("42LU", "42ul"),
            ("42uL", "42ul"),
            ("42ll", "42ll"),
            ("42LL", "42ll"),
            ("42ull", "42ull"),
            ("42LLU", "42ull"),
            ("0xffull", "255ull"),
            ("18446744073709551615", "18446744073709551615"),
            ("0xffffffffffffffff", "18446744073709551615"),
            ("1.5", "1.5"),
            ("1.5f", "1.5f"),
            ("1.5F", "1.5f"),
            ("1.5L", "1.5"),
            ("1e10", "10000000000.0"),
            ("1E-2", "0.01"),
            ("1e+2", "100.0"),
            (".5", "0.5"),
            ("1.", "1.0"),
            ("1.f", "1.0f"),
            ("2.5e3f", "2500.0f"),
            ("010.5", "10.5"),
            ("0x1p3", "8.0"),
            ("0x1.8p1", "3.0"),
            ("0x10P-1", "8.0"),
            ("'a'", "(char 97)"),
            ("'\\n'", "(char 10)"),
            ("'\\t'", "(char 9)"),
            ("'\\0'", "(char 0)"),
            ("'\\\\'", "(char 92)"),
            ("'\\''", "(char 39)"),
            ("'\"'", "(char 34)"),
            ("'\\x41'", "(char 65)"),
            ("'\\101'", "(char 65)"),
            ("'\\e'", "(char 27)"),
            ("'\\u00e9'", "(char 233)"),
            ("'é'", "(char 233)"),
            ("\"abc\"", "\"abc\""),
            ("\"a\\nb\\x41\\101\\0\"", "\"a\\nbAA\\x00\""),
            ("\"ab\" \"cd\"", "\"abcd\""),
            ("\"ab\"\"cd\" \"\"", "\"abcd\""),
            ("\"é\"", "\"\\xc3\\xa9\""),
            ("\"\\u00e9\"", "\"\\xc3\\xa9\""),
            ("\"\"", "\"\""),
            ("true", "true"),
            ("false", "false"),
            // `nullptr` is C++; in C it is an ordinary name.
            ("nullptr", "nullptr"),
            ("NULL", "NULL"),
        ],
    );
    check_in(
        Language::Cpp,
        &[("nullptr", "null"), ("true && false", "(&& true false)")],
    );
}

#[test]
fn names_registers_and_history() {
    check_in(
        Language::C,
        &[
            ("x", "x"),
            ("_x1", "_x1"),
            ("größe", "größe"),
            ("$rax", "$rax"),
            ("$pc + 4", "(+ $pc 4)"),
            ("$sp", "$sp"),
            ("$_exitcode", "$_exitcode"),
            ("$", "(hist -0)"),
            ("$$", "(hist -1)"),
            ("$$3", "(hist -3)"),
            ("$5", "(hist 5)"),
            ("$0", "(hist 0)"),
            ("$1a", "$1a"),
            ("$ + $$2", "(+ (hist -0) (hist -2))"),
        ],
    );
    check_in(
        Language::Cpp,
        &[
            ("a::b::c", "a::b::c"),
            ("::g", "::g"),
            ("::ns::g + 1", "(+ ::ns::g 1)"),
            ("std::cout", "std::cout"),
            ("p->ns", "(-> p ns)"),
        ],
    );
}

#[test]
fn rust_syntax() {
    check_in(
        Language::Rust,
        &[
            ("x as u8 + 1", "(+ (cast <u8> x) 1)"),
            ("-x as i64", "(cast <i64> (neg x))"),
            ("a * b as u8", "(* a (cast <u8> b))"),
            ("x as u8 as u32", "(cast <u32> (cast <u8> x))"),
            ("*p as usize", "(cast <usize> (deref p))"),
            ("p as *const u8", "(cast <u8 *> p)"),
            ("p as *mut *const u8", "(cast <u8 **> p)"),
            ("x as &[u8; 4]", "(cast <u8 [4]*> x)"),
            ("x as [*const u8; 2]", "(cast <u8 *[2]> x)"),
            ("x as ()", "(cast <()> x)"),
            ("x as std::ffi::c_int", "(cast <std::ffi::c_int> x)"),
            ("s.0", "(. s 0)"),
            ("s.0.1", "(. (. s 0) 1)"),
            ("t.0.1.2", "(. (. (. t 0) 1) 2)"),
            ("s . 0", "(. s 0)"),
            ("s.10", "(. s 10)"),
            ("s.f.0", "(. (. s f) 0)"),
            ("&mut v", "(addr v)"),
            ("&v", "(addr v)"),
            ("&&v", "(addr (addr v))"),
            ("&&mut v", "(addr (addr v))"),
            ("a::b::c", "a::b::c"),
            ("::a::b", "::a::b"),
            ("v[i].len", "(. (index v i) len)"),
            ("!x", "(not x)"),
            ("a = b", "(= a b)"),
            ("a += 1", "(+= a 1)"),
            // Rust binds bitwise operators tighter than comparisons, unlike C.
            ("a & b == c", "(== (& a b) c)"),
            ("a | b < c ^ d", "(< (| a b) (^ c d))"),
            ("a == b && c < d || e", "(|| (&& (== a b) (< c d)) e)"),
            ("a << b & c", "(& (<< a b) c)"),
            ("1 + 2 * 3", "(+ 1 (* 2 3))"),
            ("(x) - 1", "(- x 1)"),
            ("(t) - 1", "(- t 1)"),
        ],
    );
}

#[test]
fn rust_literals() {
    check_in(
        Language::Rust,
        &[
            ("5", "5"),
            ("1_000", "1000"),
            ("5u8", "5u8"),
            ("1_000i64", "1000i64"),
            ("1_u16", "1u16"),
            ("0xffu32", "255u32"),
            ("0x1f32", "7986"),
            ("0o17", "15"),
            ("0b1111_0000", "240"),
            ("010", "10"),
            ("7isize", "7i64"),
            ("7usize", "7u64"),
            ("128i8", "128i8"),
            ("255u8", "255u8"),
            (
                "340282366920938463463374607431768211455u128",
                "340282366920938463463374607431768211455u128",
            ),
            (
                "340282366920938463463374607431768211455",
                "340282366920938463463374607431768211455",
            ),
            ("1.5", "1.5"),
            ("1.5f32", "1.5f"),
            ("1.5f64", "1.5"),
            ("2f32", "2.0f"),
            ("1e3", "1000.0"),
            ("1_000.5e-1_0", "1.0005e-7"),
            ("1.", "1.0"),
            ("'a'", "(char 97)"),
            ("'\\u{e9}'", "(char 233)"),
            ("'\\x41'", "(char 65)"),
            ("'\\0'", "(char 0)"),
            ("b'a'", "(char 97)"),
            ("b'\\n'", "(char 10)"),
            ("\"a\\u{1F600}\"", "\"a\\xf0\\x9f\\x98\\x80\""),
            ("b\"x\\xff\"", "\"x\\xff\""),
            ("true", "true"),
            ("b", "b"),
            ("b + 1", "(+ b 1)"),
            ("$rip", "$rip"),
            ("$$2", "(hist -2)"),
        ],
    );
}

#[test]
fn rust_types() {
    check_types(
        Language::Rust,
        &[
            ("u8", "<u8>"),
            ("*const u8", "<u8 *>"),
            ("*mut *const u8", "<u8 **>"),
            ("&T", "<T *>"),
            ("&mut T", "<T *>"),
            ("&&T", "<T **>"),
            ("[i32; 4]", "<i32 [4]>"),
            ("[[u8; 2]; 3]", "<u8 [2][3]>"),
            ("*const [u8; 4]", "<u8 [4]*>"),
            ("()", "<()>"),
            ("str", "<str>"),
            ("ns::T", "<ns::T>"),
        ],
    );
    let errors: &[(&str, &str)] = &[
        ("x", "unknown type name `x` at column 1"),
        ("*const x", "unknown type name `x` at column 1"),
        ("*u8", "expected `const` or `mut` at column 2, found `u8`"),
        ("[u8]", "expected `;` at column 4, found `]`"),
        ("[u8; n]", "expected an array length at column 6, found `n`"),
        ("(u8)", "expected `)` at column 2, found `u8`"),
        ("u8 u8", "unexpected `u8` at column 4"),
        ("", "expected a type at column 1, found end of input"),
    ];
    for (input, expected) in errors {
        let e = parse_type(input, Language::Rust, &is_type).unwrap_err();
        assert_eq!(e.to_string(), *expected, "{input:?}");
    }
}

#[test]
fn errors() {
    check_errors(
        Language::C,
        &[
            ("", "expected an expression at column 1, found end of input"),
            (
                "   ",
                "expected an expression at column 4, found end of input",
            ),
            (
                "1 +",
                "expected an expression at column 4, found end of input",
            ),
            (")", "expected an expression at column 1, found `)`"),
            ("(1 + 2", "expected `)` at column 7, found end of input"),
            ("(1 + 2))", "unexpected `)` at column 8"),
            ("f(x)", "unexpected `(` at column 2"),
            ("a b", "unexpected `b` at column 3"),
            ("a..b", "expected a field name at column 3, found `.`"),
            (
                "a.",
                "expected a field name at column 3, found end of input",
            ),
            (
                "p->",
                "expected a field name at column 4, found end of input",
            ),
            ("a[1", "expected `]` at column 4, found end of input"),
            ("a ? b", "expected `:` at column 6, found end of input"),
            ("int", "expected an expression at column 1, found `int`"),
            (
                "x + struct",
                "expected an expression at column 5, found `struct`",
            ),
            (
                "(int)",
                "expected an expression at column 6, found end of input",
            ),
            ("(long char)x", "invalid type `long char` at column 2"),
            ("(struct)x", "expected a tag name at column 8, found `)`"),
            ("(int x", "expected `)` at column 6, found `x`"),
            (
                "sizeof",
                "expected an expression at column 7, found end of input",
            ),
            ("a::b", "unexpected `::` at column 2"),
            ("s.0", "unexpected `.0` at column 2"),
            ("'ab", "unterminated character literal at column 1"),
            (
                "'ab'",
                "character literal with more than one character at column 1",
            ),
            ("''", "empty character literal at column 1"),
            ("'", "unterminated character literal at column 1"),
            ("'\\", "unterminated character literal at column 1"),
            ("\"abc", "unterminated string literal at column 1"),
            ("x + \"abc\\\"", "unterminated string literal at column 5"),
            ("'\\q'", "invalid escape sequence `\\q` at column 2"),
            ("'\\x'", "invalid escape sequence `\\x` at column 2"),
            ("\"\\x100\"", "invalid escape sequence `\\x100` at column 2"),
            (
                "'\\xfffffffff'",
                "invalid escape sequence `\\xfffffffff` at column 2",
            ),
            ("'\\ud800'", "invalid escape sequence `\\ud800` at column 2"),
            ("0x", "invalid number `0x` at column 1"),
            ("0xg", "invalid number `0xg` at column 1"),
            ("0b", "invalid number `0b` at column 1"),
            ("0b102", "invalid number `0b102` at column 1"),
            ("08", "invalid number `08` at column 1"),
            ("1e", "invalid number `1e` at column 1"),
            ("1e+", "invalid number `1e` at column 1"),
            ("1q", "invalid number `1q` at column 1"),
            ("1uu", "invalid number `1uu` at column 1"),
            ("1lll", "invalid number `1lll` at column 1"),
            ("1.5u", "invalid number `1.5u` at column 1"),
            ("1_000", "invalid number `1_000` at column 1"),
            ("0x1.8", "invalid number `0x1.8` at column 1"),
            ("1f", "invalid number `1f` at column 1"),
            ("5u8", "invalid number `5u8` at column 1"),
            (
                "18446744073709551616",
                "integer literal too large at column 1",
            ),
            (
                "0x10000000000000000",
                "integer literal too large at column 1",
            ),
            (
                "99999999999999999999999999999999999999999999",
                "integer literal too large at column 1",
            ),
            (
                "$99999999999999999999",
                "integer literal too large at column 1",
            ),
            (
                "$$99999999999999999999",
                "integer literal too large at column 1",
            ),
            ("$$$", "unexpected `$` at column 3"),
            ("a @ b", "unexpected character `@` at column 3"),
            ("é @", "unexpected character `@` at column 3"),
            ("#", "unexpected character `#` at column 1"),
            ("1 = = 2", "expected an expression at column 5, found `=`"),
            ("x ? : y", "expected an expression at column 5, found `:`"),
            (
                "\"long string literal that goes on and on and on\" x",
                "unexpected `x` at column 50",
            ),
            (
                "1 \"long string literal that goes on and on and on\"",
                "unexpected `\"long string literal that goes on and on…` at column 3",
            ),
        ],
    );
    check_errors(
        Language::Cpp,
        &[
            ("a::", "unexpected `::` at column 2"),
            ("::", "expected an expression at column 1, found `::`"),
            ("a::1", "unexpected `::` at column 2"),
        ],
    );
    check_errors(
        Language::Rust,
        &[
            ("p->f", "unexpected `->` at column 2"),
            ("a ? b : c", "unexpected `?` at column 3"),
            ("(int)x", "unexpected `x` at column 6"),
            ("sizeof(x)", "unexpected `(` at column 7"),
            ("x as", "expected a type at column 5, found end of input"),
            ("x as 5", "expected a type at column 6, found `5`"),
            (
                "x as *u8",
                "expected `const` or `mut` at column 7, found `u8`",
            ),
            ("as", "expected an expression at column 1, found `as`"),
            ("a..b", "expected a field name at column 3, found `.`"),
            ("1..2", "expected a field name at column 3, found `.`"),
            (".5", "expected an expression at column 1, found `.`"),
            ("\"a\" \"b\"", "unexpected `\"b\"` at column 5"),
            ("256u8", "integer literal too large at column 1"),
            ("129i8", "integer literal too large at column 1"),
            ("1.5u8", "invalid number `1.5u8` at column 1"),
            ("5ul", "invalid number `5ul` at column 1"),
            ("'\\a'", "invalid escape sequence `\\a` at column 2"),
            ("'\\x4'", "invalid escape sequence `\\x4` at column 2"),
            (
                "'\\u{110000}'",
                "invalid escape sequence `\\u{110000}` at column 2",
            ),
            ("'\\101'", "invalid escape sequence `\\1` at column 2"),
            ("0o8", "invalid number `0o8` at column 1"),
            ("0x", "invalid number `0x` at column 1"),
            ("1e", "invalid number `1e` at column 1"),
            (
                "340282366920938463463374607431768211456",
                "integer literal too large at column 1",
            ),
        ],
    );
}

#[test]
fn error_positions() {
    let e = parse("x + )", Language::C, &is_type).unwrap_err();
    assert_eq!(e.offset(), Some(4));
    assert_eq!(e.column(), Some(5));
    // Columns count characters, offsets bytes.
    let e = parse("\"é\" )", Language::C, &is_type).unwrap_err();
    assert_eq!((e.offset(), e.column()), (Some(5), Some(5)));
    assert!(matches!(e, ParseError::Unexpected { .. }));
}

#[test]
fn too_long() {
    let long = "1+".repeat(40_000) + "1";
    let e = parse(&long, Language::C, &is_type).unwrap_err();
    assert_eq!(
        e,
        ParseError::TooLong {
            len: 80_001,
            limit: 65_536
        }
    );
    assert_eq!(e.offset(), None);
}

/// Deep nesting of every recursive kind is refused, never a stack overflow.
#[test]
fn too_deep() {
    let n = 10_000;
    let cases: Vec<(Language, String)> = vec![
        (Language::C, format!("{}1{}", "(".repeat(n), ")".repeat(n))),
        (Language::C, format!("{}1", "-".repeat(n))),
        (Language::C, format!("{}p", "*".repeat(n))),
        (Language::C, format!("{}x", "!".repeat(n))),
        (Language::C, format!("{}x", "&".repeat(n))),
        (Language::C, format!("{}x", "sizeof ".repeat(n / 2))),
        (Language::C, format!("{}x", "(int)".repeat(n))),
        (Language::C, format!("{}1", "a[".repeat(n))),
        (Language::C, format!("{}1", "a = ".repeat(n))),
        (Language::C, format!("{}1", "a ? b : ".repeat(n / 2))),
        (Language::C, format!("{}1", "a ? ".repeat(n))),
        (Language::C, format!("x{}", ".f".repeat(n))),
        (Language::C, format!("x{}", "->f".repeat(n))),
        (Language::C, format!("x{}", "[0]".repeat(n))),
        (Language::C, format!("1{}", "+1".repeat(n))),
        (Language::C, format!("1{}", "*1+1".repeat(n))),
        (Language::C, format!("(int{})x", "*".repeat(n))),
        (Language::C, format!("(int{})x", "[1]".repeat(n))),
        (Language::Rust, format!("x{}", " as u8".repeat(n))),
        (
            Language::Rust,
            format!("x as {}u8", "*const ".repeat(n / 2)),
        ),
        (Language::Rust, format!("x as {}u8", "&".repeat(n))),
        (
            Language::Rust,
            format!("x as {}u8{}", "[".repeat(n), "; 1]".repeat(n)),
        ),
        (Language::Rust, format!("{}x", "&mut ".repeat(n))),
        (Language::Rust, format!("t{}", ".0".repeat(n))),
    ];
    for (lang, input) in &cases {
        let e = parse(input, *lang, &is_type).unwrap_err();
        assert!(
            matches!(e, ParseError::TooDeep { .. }),
            "{lang:?} {}...: {e}",
            input.get(..20).unwrap_or(input)
        );
        assert!(e
            .to_string()
            .starts_with("expression nests too deeply at column "));
    }
    let e = parse_type(
        &format!("{}u8", "*const ".repeat(n / 2)),
        Language::Rust,
        &is_type,
    );
    assert!(matches!(e, Err(ParseError::TooDeep { .. })));
    let e = parse_type(&format!("int{}", "*".repeat(n)), Language::C, &is_type);
    assert!(matches!(e, Err(ParseError::TooDeep { .. })));
}

/// Nesting just within the limit parses, on a test thread's ordinary stack.
#[test]
fn deep_but_allowed() {
    let n = MAX_DEPTH - 1;
    let input = format!("{}1{}", "(".repeat(n), ")".repeat(n));
    assert_eq!(sexp(&parse(&input, Language::C, &is_type).unwrap()), "1");
    let input = format!("{}1", "-".repeat(MAX_DEPTH - 2));
    parse(&input, Language::C, &is_type).unwrap();
    let input = format!("x{}", ".f".repeat(MAX_DEPTH - 1));
    parse(&input, Language::C, &is_type).unwrap();
    // Every kind of nesting, each within the limit.
    let input = format!(
        "{}1{}",
        "a[".repeat(MAX_DEPTH - 1),
        "]".repeat(MAX_DEPTH - 1)
    );
    parse(&input, Language::C, &is_type).unwrap();
    let input = format!("{}1", "a ? b : ".repeat(MAX_DEPTH - 1));
    parse(&input, Language::C, &is_type).unwrap();
    // Each level opens two frames, the `?` and the `(`.
    let n = MAX_DEPTH / 2 - 1;
    let input = format!("{}1{}", "a ? (".repeat(n), ") : c".repeat(n));
    parse(&input, Language::C, &is_type).unwrap();
    let input = format!("x as {}u8", "*const ".repeat(MAX_DEPTH - 1));
    parse(&input, Language::Rust, &is_type).unwrap();
    // Deep nesting that adds no depth to the tree is still limited.
    let input = format!("{}1{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert!(matches!(
        parse(&input, Language::C, &is_type),
        Err(ParseError::TooDeep { .. })
    ));
}

/// A deterministic xorshift generator, so that a failure reproduces.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Random bytes, random strings of expression characters, and mutations of valid
/// expressions never panic or overflow the stack, and errors point inside the input.
#[test]
fn fuzz_never_panics() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let check_positions = |text: &str| {
        for lang in [Language::C, Language::Cpp, Language::Rust] {
            if let Err(e) = parse(text, lang, &|n: &str| n.starts_with('T')) {
                if let Some(offset) = e.offset() {
                    assert!(offset <= text.len(), "{text:?}: {e}");
                    assert!(text.is_char_boundary(offset), "{text:?}: {e}");
                }
            }
        }
    };
    for _ in 0..3000 {
        let len = rng.below(24);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        parse_anything(&bytes);
        check_positions(&String::from_utf8_lossy(&bytes));
    }
    const ALPHABET: &[u8] = b"0123456789abcxTuUlLfeEpP_.$'\"\\()[]*&-+!~<>=?:;|^%/ \txX";
    for _ in 0..3000 {
        let len = rng.below(20);
        let bytes: Vec<u8> = (0..len)
            .map(|_| ALPHABET[rng.below(ALPHABET.len())])
            .collect();
        parse_anything(&bytes);
        check_positions(&String::from_utf8_lossy(&bytes));
    }
    const VALID: &[&str] = &[
        "(long)x + 1",
        "*p->next->value",
        "a[i] * 2 == b ? c : d",
        "sizeof(struct point *)",
        "(T)-1 << 3",
        "x as u8 + s.0.1",
        "&mut v[0]",
        "0x1.8p1 + 1.5e-3f + 'a' + \"s\\n\"",
        "$rax = $$2 + $5",
        "::ns::T::x",
        "b'\\x41' + 1_000u64",
        "a <<= b >>= c ^= d",
    ];
    for _ in 0..3000 {
        let mut bytes = VALID[rng.below(VALID.len())].as_bytes().to_vec();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(bytes.len() + 1);
            match rng.below(4) {
                0 if at < bytes.len() => {
                    bytes.remove(at);
                }
                1 if at < bytes.len() => bytes[at] = ALPHABET[rng.below(ALPHABET.len())],
                2 => bytes.insert(at, ALPHABET[rng.below(ALPHABET.len())]),
                _ => bytes.insert(at, rng.next() as u8),
            }
        }
        parse_anything(&bytes);
        check_positions(&String::from_utf8_lossy(&bytes));
    }
}
