//! A program in a box: a few kilobytes of memory holding variables of every kind of C type
//! (and a Rust frame's view of them), with registers, behind the [`Context`] trait. What the
//! fuzz target and the evaluator's own tests run expressions against: no process needed,
//! and every answer is known.

use std::sync::Arc;

use crate::ast::{HistoryRef, Language};
use crate::context::Context;
use crate::error::{EvalError, Result};
use crate::types::{EnumType, Field, StructKind, StructType, Type, TypeRc};
use crate::value::{Place, Value};

/// Where the sandbox's memory starts.
pub const BASE: u64 = 0x1000;
/// How much memory there is.
const SIZE: usize = 4096;

/// The lazy handle of `struct node`.
const NODE: u64 = 1;

/// Memory, registers and named variables for expressions to work on.
#[derive(Debug, Clone)]
pub struct Sandbox {
    language: Language,
    memory: Vec<u8>,
    registers: [u64; 17],
    variables: Vec<(String, Value)>,
    history: Vec<Value>,
}

fn int() -> TypeRc {
    Type::int(4, true)
}

fn field(name: &str, ty: TypeRc, offset: u64) -> Field {
    Field {
        name: Some(name.into()),
        ty,
        offset,
        bits: None,
        base: false,
    }
}

fn aggregate(kind: StructKind, name: &str, size: u64, fields: Vec<Field>) -> TypeRc {
    Arc::new(Type::Struct(Arc::new(StructType {
        kind,
        name: Some(name.into()),
        size,
        fields,
        variants: None,
        incomplete: false,
        cpp: None,
        template_params: Vec::new(),
    })))
}

fn point() -> TypeRc {
    aggregate(
        StructKind::Struct,
        "point",
        8,
        vec![field("x", int(), 0), field("y", int(), 4)],
    )
}

fn node() -> TypeRc {
    let next = Type::pointer_to(Arc::new(Type::Lazy {
        id: NODE,
        name: "struct node".into(),
    }));
    aggregate(
        StructKind::Struct,
        "node",
        16,
        vec![field("value", int(), 0), field("next", next, 8)],
    )
}

impl Sandbox {
    /// A sandbox whose frame is in `language`, with its variables set up.
    pub fn new(language: Language) -> Sandbox {
        let mut sandbox = Sandbox {
            language,
            memory: vec![0; SIZE],
            registers: [0; 17],
            variables: Vec::new(),
            history: Vec::new(),
        };
        let char_ = Type::c_char();
        let array = |element: TypeRc, count| {
            Arc::new(Type::Array {
                element,
                count: Some(count),
            })
        };
        let color = Arc::new(Type::Enum(Arc::new(EnumType {
            name: Some("color".into()),
            size: 4,
            signed: false,
            values: vec![("RED".into(), 0), ("GREEN".into(), 5), ("BLUE".into(), 6)],
            cpp: None,
        })));
        let bits = aggregate(
            StructKind::Struct,
            "bits",
            4,
            vec![
                Field {
                    bits: Some((0, 3)),
                    ..field("low", Type::int(4, false), 0)
                },
                Field {
                    bits: Some((3, 5)),
                    ..field("signed_part", int(), 0)
                },
            ],
        );
        let number = aggregate(
            StructKind::Union,
            "number",
            4,
            vec![
                field("i", int(), 0),
                field(
                    "f",
                    Arc::new(Type::Float {
                        name: "float".into(),
                        size: 4,
                    }),
                    0,
                ),
            ],
        );
        sandbox.put("i", int(), 0x000, &42i32.to_le_bytes());
        sandbox.put("c", char_.clone(), 0x004, b"A");
        sandbox.put("d", Type::double(), 0x008, &2.5f64.to_le_bytes());
        let numbers: Vec<u8> = (1..=8i32).flat_map(i32::to_le_bytes).collect();
        sandbox.put("arr", array(int(), 8), 0x010, &numbers);
        sandbox.put("pt", point(), 0x030, &[3, 0, 0, 0, 0xfc, 0xff, 0xff, 0xff]);
        let pt_address = (BASE + 0x30).to_le_bytes();
        sandbox.put("p", Type::pointer_to(point()), 0x038, &pt_address);
        sandbox.put(
            "text",
            array(char_.clone(), 16),
            0x040,
            b"hello\0\0\0\0\0\0\0\0\0\0\0",
        );
        let text_address = (BASE + 0x40).to_le_bytes();
        sandbox.put("s", Type::pointer_to(char_), 0x050, &text_address);
        // A two-node list: first -> second -> NULL.
        let mut first = 1i32.to_le_bytes().to_vec();
        first.extend_from_slice(&[0; 4]);
        first.extend_from_slice(&(BASE + 0x70).to_le_bytes());
        sandbox.put("first", node(), 0x060, &first);
        sandbox.put(
            "second",
            node(),
            0x070,
            &[2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        );
        sandbox.put("col", color, 0x080, &5u32.to_le_bytes());
        sandbox.put("b", bits, 0x084, &[0b1010_1101, 0, 0, 0]);
        sandbox.put("u", number, 0x088, &1.5f32.to_le_bytes());
        sandbox.put("null", Type::pointer_to(int()), 0x090, &[0; 8]);
        sandbox.put(
            "wild",
            Type::pointer_to(int()),
            0x098,
            &0xdead_0000u64.to_le_bytes(),
        );
        sandbox.put("grid", array(array(int(), 3), 2), 0x0a0, &[0; 24]);
        sandbox.registers[0] = 7;
        sandbox.registers[7] = BASE + 0x800;
        sandbox.registers[16] = 0x40_1000;
        sandbox
    }

    fn put(&mut self, name: &str, ty: TypeRc, offset: usize, bytes: &[u8]) {
        if let Some(slot) = self.memory.get_mut(offset..offset + bytes.len()) {
            slot.copy_from_slice(bytes);
        }
        self.variables
            .push((name.into(), Value::at(ty, BASE + offset as u64)));
    }

    /// The sandbox's memory at `address`, if it is inside.
    pub fn bytes_at(&self, address: u64, len: usize) -> Option<&[u8]> {
        let start = usize::try_from(address.checked_sub(BASE)?).ok()?;
        self.memory.get(start..start.checked_add(len)?)
    }

    /// Keep `value` as the next history entry.
    pub fn record(&mut self, value: Value) {
        self.history.push(value);
    }
}

impl Context for Sandbox {
    fn language(&self) -> Language {
        self.language
    }

    fn lookup(&mut self, name: &str) -> Result<Option<Value>> {
        Ok(self
            .variables
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone()))
    }

    fn lookup_type(&mut self, name: &str) -> Result<Option<TypeRc>> {
        Ok(match name {
            "struct point" | "point" => Some(point()),
            "struct node" | "node" => Some(node()),
            "point_t" => Some(Arc::new(Type::Typedef {
                name: "point_t".into(),
                target: point(),
            })),
            _ => None,
        })
    }

    fn resolve_type(&mut self, id: u64) -> Result<TypeRc> {
        match id {
            NODE => Ok(node()),
            _ => Err(EvalError::UnknownType(format!("#{id}"))),
        }
    }

    fn register(&mut self, name: &str) -> Result<Option<Value>> {
        let number = match name {
            "rax" => 0,
            "rsp" | "sp" => 7,
            "rip" | "pc" => 16,
            _ => return Ok(None),
        };
        Ok(Some(Value {
            ty: Type::int(8, true),
            place: Place::Register { number, offset: 0 },
            bits: None,
        }))
    }

    fn read_memory(&mut self, address: u64, len: usize) -> Result<Vec<u8>> {
        self.bytes_at(address, len)
            .map(<[u8]>::to_vec)
            .ok_or(EvalError::Memory { address })
    }

    fn write_memory(&mut self, address: u64, bytes: &[u8]) -> Result<()> {
        let start = address
            .checked_sub(BASE)
            .and_then(|s| usize::try_from(s).ok())
            .ok_or(EvalError::WriteMemory { address })?;
        let slot = self
            .memory
            .get_mut(start..start.saturating_add(bytes.len()))
            .ok_or(EvalError::WriteMemory { address })?;
        slot.copy_from_slice(bytes);
        Ok(())
    }

    fn read_register(&mut self, number: u16) -> Result<Vec<u8>> {
        self.registers
            .get(usize::from(number))
            .map(|value| value.to_le_bytes().to_vec())
            .ok_or(EvalError::RegisterUnavailable(format!("{number}")))
    }

    fn write_register(&mut self, number: u16, bytes: &[u8]) -> Result<()> {
        let slot = self
            .registers
            .get_mut(usize::from(number))
            .ok_or(EvalError::WriteRegister(number))?;
        let mut word = [0u8; 8];
        for (to, from) in word.iter_mut().zip(bytes) {
            *to = *from;
        }
        *slot = u64::from_le_bytes(word);
        Ok(())
    }

    fn symbolize(&mut self, address: u64) -> Option<(String, u64)> {
        let (name, value) = self
            .variables
            .iter()
            .filter(|(_, v)| v.address().is_some_and(|a| a <= address))
            .max_by_key(|(_, v)| v.address())?;
        let start = value.address()?;
        let size = value.ty.size().unwrap_or(0);
        (address < start + size).then(|| (name.clone(), address - start))
    }

    fn history(&mut self, which: HistoryRef) -> Result<Value> {
        let index = match which {
            HistoryRef::Absolute(n) => usize::try_from(n).ok().and_then(|n| n.checked_sub(1)),
            HistoryRef::Relative(back) => usize::try_from(back)
                .ok()
                .and_then(|back| self.history.len().checked_sub(back + 1)),
        };
        index
            .and_then(|i| self.history.get(i))
            .cloned()
            .ok_or_else(|| EvalError::NoHistory(format!("{which:?}")))
    }
}

/// Everything the crate does with an expression, on arbitrary bytes, in each language:
/// parse it, evaluate it against a [`Sandbox`], print the value in every format, describe
/// its type. What the fuzz target runs (errors are fine; panics, hangs and unbounded
/// memory are bugs).
#[doc(hidden)]
pub fn try_everything(input: &[u8]) {
    let text = String::from_utf8_lossy(input);
    for language in [Language::C, Language::Cpp, Language::Rust] {
        let mut sandbox = Sandbox::new(language);
        let is_type = |name: &str| matches!(name, "struct point" | "point" | "point_t" | "node");
        if let Ok(name) = crate::parse_type(&text, language, &is_type) {
            if let Ok(ty) = crate::resolve_type_name(&mut sandbox, &name) {
                let _ = crate::ptype(&mut sandbox, &ty);
            }
        }
        let Ok(expr) = crate::parse(&text, language, &is_type) else {
            continue;
        };
        let Ok(value) = crate::evaluate(&mut sandbox, &expr) else {
            continue;
        };
        let _ = crate::is_true(&mut sandbox, &value);
        let _ = crate::whatis(&value.ty);
        let _ = crate::ptype(&mut sandbox, &value.ty);
        for letter in [
            None,
            Some('x'),
            Some('d'),
            Some('c'),
            Some('f'),
            Some('a'),
            Some('s'),
        ] {
            let options = crate::PrintOptions {
                format: letter.and_then(crate::Format::from_letter),
            };
            let _ = crate::print_value(&mut sandbox, &value, options);
            let _ = crate::show_value(&mut sandbox, &value, options);
        }
        sandbox.record(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of `expression` in a C sandbox, as `print` shows it.
    fn print(expression: &str) -> String {
        print_in(Language::C, expression)
    }

    fn print_in(language: Language, expression: &str) -> String {
        let mut sandbox = Sandbox::new(language);
        let is_type = |name: &str| matches!(name, "struct point" | "point_t");
        let result = crate::parse(expression, language, &is_type)
            .map_err(|e| e.to_string())
            .and_then(|expr| crate::evaluate(&mut sandbox, &expr).map_err(|e| e.to_string()))
            .and_then(|value| {
                crate::print_value(&mut sandbox, &value, crate::PrintOptions::default())
                    .map_err(|e| e.to_string())
            });
        match result {
            Ok(text) => text,
            Err(error) => format!("error: {error}"),
        }
    }

    #[test]
    fn values_and_operators_as_gdb_prints_them() {
        let check = |expression: &str, expected: &str| {
            assert_eq!(print(expression), expected, "{expression}");
        };
        check("i", "42");
        check("i * 2 + 1", "85");
        check("-i / 4", "-10");
        check("i % 5", "2");
        check("c", "65 'A'");
        check("c + 1", "66");
        check("d / 2", "1.25");
        check("arr", "{1, 2, 3, 4, 5, 6, 7, 8}");
        check("arr[3] * arr[7]", "32");
        check("*(arr + 2)", "3");
        check("&arr[1] - &arr[0]", "1");
        check("pt", "{x = 3, y = -4}");
        check("p->y", "-4");
        check("(*p).x", "3");
        check("p", "(struct point *) 0x1030 <pt>");
        check("s", "0x1040 \"hello\"");
        // Ten NULs after one is dropped: not more than gdb's threshold of 10, so inline.
        check("text", r#""hello\000\000\000\000\000\000\000\000\000\000""#);
        check("first.next->value", "2");
        check("first.next->next", "(struct node *) 0x0");
        check("col", "GREEN");
        check("b", "{low = 5, signed_part = -11}");
        check("u", "{i = 1069547520, f = 1.5}");
        check("grid", "{{0, 0, 0}, {0, 0, 0}}");
        check("sizeof(struct point)", "8");
        check("sizeof arr", "32");
        check("(char)66", "66 'B'");
        check("(long)d", "2");
        check("i > 3 && c == 'A'", "1");
        check("i ? 10 : 20", "10");
        check("$rax + 1", "8");
        check("1.0 / 3", "0.33333333333333331");
        check("07 + 0x10 + 0b11", "26");
        check("(point_t *)p", "(point_t *) 0x1030 <pt>");
    }

    #[test]
    fn rust_frames_check_operand_types_as_rustc_does() {
        let rust = |expression: &str| print_in(Language::Rust, expression);
        // An unsuffixed literal takes the other side's type.
        assert_eq!(rust("i + 1"), "43");
        assert_eq!(rust("2 * i"), "84");
        assert_eq!(rust("d + 1"), "3.5");
        assert_eq!(
            rust("i + 1u8"),
            "error: mismatched types: expected `int`, found `u8`"
        );
        assert_eq!(
            rust("d * i"),
            "error: mismatched types: expected `double`, found `int`"
        );
        assert_eq!(rust("i as u8 + 1u8"), "43");
    }

    #[test]
    fn errors_are_one_line_and_write_nothing() {
        let check = |expression: &str, expected: &str| {
            assert_eq!(
                print(expression),
                format!("error: {expected}"),
                "{expression}"
            );
        };
        check("i / 0", "division by zero");
        check("nosuch", "no symbol \"nosuch\" in current context");
        check("*null", "cannot access memory at address 0x0");
        check("*wild", "cannot access memory at address 0xdead0000");
        check("pt.z", "there is no member named z in struct point");
        check(
            "i.x",
            "attempt to extract a component of a value that is not a structure",
        );
        check("i[1]", "cannot subscript something of type `int`");
        check(
            "&1",
            "attempt to take address of value not located in memory",
        );
        check("1 = 2", "left operand of assignment is not an lvalue");
        check("(struct nosuch *)0", "no type named \"struct nosuch\"");
        let deep = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(print(&deep).starts_with("error: "), "deep nesting");
    }

    #[test]
    fn assignments_write_memory_and_registers() {
        let mut sandbox = Sandbox::new(Language::C);
        let no_types = |_: &str| false;
        let run = |sandbox: &mut Sandbox, text: &str| {
            let expr = crate::parse(text, Language::C, &no_types).unwrap_or_else(|e| panic!("{e}"));
            crate::evaluate(sandbox, &expr).unwrap_or_else(|e| panic!("{text}: {e}"))
        };
        run(&mut sandbox, "i = 7");
        assert_eq!(sandbox.bytes_at(BASE, 4), Some(&7i32.to_le_bytes()[..]));
        run(&mut sandbox, "pt.y += 10");
        assert_eq!(
            sandbox.bytes_at(BASE + 0x34, 4),
            Some(&6i32.to_le_bytes()[..])
        );
        run(&mut sandbox, "b.low = 2");
        assert_eq!(sandbox.bytes_at(BASE + 0x84, 1), Some(&[0b1010_1010][..]));
        run(&mut sandbox, "$rax = 99");
        assert_eq!(sandbox.registers[0], 99);
        run(&mut sandbox, "d = 1");
        assert_eq!(
            sandbox.bytes_at(BASE + 8, 8),
            Some(&1.0f64.to_le_bytes()[..])
        );
    }

    #[test]
    fn arbitrary_input_never_panics() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let alphabet = b"ipdcarstbfgunlw*&+-/%<>=!?:()[].,'\"\\0123456789xe $ ";
        for _ in 0..3000 {
            let len = (seed % 24) as usize;
            let mut input = Vec::with_capacity(len);
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                input.push(alphabet[(seed as usize) % alphabet.len()]);
            }
            try_everything(&input);
        }
    }
}
