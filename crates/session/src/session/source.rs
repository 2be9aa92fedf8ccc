//! Symbolic locations: addresses by symbol name, breakpoints by function and by source line,
//! and what the symbols say about an address.

use dbg_process::Reg;
use dbg_symbols::LineLookup;
use dbg_sys::VirtAddr;

use super::Session;
use crate::breakpoints::Breakpoint;
use crate::error::{Error, Result};
use crate::images::CodePlace;

/// A place in the program as the command language writes it (SPEC §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A number (hex with `0x`, or decimal).
    Address(VirtAddr),
    /// `symbol+offset` (or `*symbol`): exactly that address.
    Symbol {
        /// The symbol.
        name: String,
        /// Bytes past it.
        offset: u64,
    },
    /// `$REG`, `$REG+N`, `$REG-N` (gdb's `$pc`, `$sp`, `$fp` too): the register's value in the
    /// selected frame, moved by the offset.
    Register {
        /// The register.
        reg: Reg,
        /// Bytes added (or, negative, taken away).
        offset: i64,
    },
    /// `FUNCTION`: as a breakpoint, after the function's prologue (where gdb puts it); as an
    /// address, the function's entry.
    Function(String),
    /// `LINE` alone (`break 30`, `list 30`): a line of the current source file — the one
    /// last listed, else the selected frame's, else `main`'s (gdb's default source file).
    CurrentLine(u32),
    /// `*EXPR` (and, for `x`, `memory read` and the like, any expression that is no plain
    /// name): the value of a C expression in the selected frame — a pointer's or integer's
    /// value, an array's or function's address (gdb's `break *($pc + 4)`, `x &total`).
    Expression(String),
    /// `FILE:LINE`.
    Line {
        /// A source file, matched by path suffix.
        file: String,
        /// The line, from 1.
        line: u32,
    },
}

impl Location {
    /// Parse a location as `break` and `list` take it: a bare decimal number is a line of the
    /// current source file (as in gdb), anything else as [`Location::parse`].
    pub fn parse_location(text: &str) -> Result<Location> {
        let text = text.trim();
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            return text
                .parse()
                .ok()
                .filter(|line| *line > 0)
                .map(Location::CurrentLine)
                .ok_or_else(|| Error::InvalidLine(text.to_string()));
        }
        Location::parse(text)
    }

    /// Parse an address as `x`, `memory read` and `watchpoint set` take it: as
    /// [`Location::parse`], and an expression (`&total`, `ptr->next`, `(char *)buf + 2`)
    /// where that finds no number, register, file line or plain name.
    pub fn parse_address(text: &str) -> Result<Location> {
        let text = text.trim();
        match Location::parse(text) {
            Ok(Location::Function(name)) if !plain_name(&name) => {
                Ok(Location::Expression(text.to_string()))
            }
            Ok(Location::Symbol { name, .. }) if !plain_name(name.trim()) => {
                Ok(Location::Expression(text.to_string()))
            }
            // `ptr + i`: no number after the `+`, but an expression.
            Err(Error::InvalidOffset(_)) if !text.starts_with('*') => {
                Ok(Location::Expression(text.to_string()))
            }
            parsed => parsed,
        }
    }

    /// Parse a location (a breakpoint's) or an address (`memory read`'s): a number,
    /// `symbol`, `symbol+offset`, `*address` or `*EXPR`, or `FILE:LINE`.
    pub fn parse(text: &str) -> Result<Location> {
        let text = text.trim();
        let invalid = || Error::InvalidAddress(text.to_string());
        if let Some(exact) = text.strip_prefix('*') {
            let exact = exact.trim();
            if exact.starts_with('*') {
                return Err(invalid());
            }
            let expression = || Ok(Location::Expression(exact.to_string()));
            return match Location::parse(exact) {
                Ok(Location::Function(name)) if plain_name(&name) => {
                    Ok(Location::Symbol { name, offset: 0 })
                }
                Ok(Location::Symbol { name, .. }) if !plain_name(name.trim()) => expression(),
                Ok(Location::Function(_)) | Err(_) if !exact.is_empty() => expression(),
                Ok(Location::Line { .. } | Location::CurrentLine(_)) | Err(_) => Err(invalid()),
                Ok(other) => Ok(other),
            };
        }
        if text.is_empty() {
            return Err(Error::MissingLocation);
        }
        if let Some(register) = text.strip_prefix('$') {
            return parse_register(register, text);
        }
        if let Some(value) = parse_number(text) {
            return value
                .ok_or_else(|| Error::AddressTooLarge(text.to_string()))
                .map(|raw| Location::Address(VirtAddr::new(raw)));
        }
        if text.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(invalid());
        }
        if let Some((file, line)) = text.rsplit_once(':') {
            if !file.is_empty() && !file.ends_with(':') && line.bytes().all(|b| b.is_ascii_digit())
            {
                let line: u32 = line
                    .parse()
                    .ok()
                    .filter(|l| *l > 0)
                    .ok_or_else(|| Error::InvalidLine(text.to_string()))?;
                return Ok(Location::Line {
                    file: file.to_string(),
                    line,
                });
            }
        }
        if let Some((name, offset)) = text.rsplit_once('+') {
            let Some(Some(offset)) = parse_number(offset.trim()) else {
                return Err(Error::InvalidOffset(text.to_string()));
            };
            let name = name.trim();
            if name.is_empty() {
                return Err(invalid());
            }
            return Ok(Location::Symbol {
                name: name.to_string(),
                offset,
            });
        }
        Ok(Location::Function(text.to_string()))
    }
}

/// Whether `name` can only be a symbol's name (C and C++ identifiers, scopes, templates,
/// versions), not an expression.
fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| {
            c.is_alphanumeric() || matches!(c, '_' | '.' | '$' | ':' | '@' | '<' | '>' | ',' | '~')
        })
}

/// `$REG[+-N]` (the text after `$`; `text` is the whole, for errors).
fn parse_register(register: &str, text: &str) -> Result<Location> {
    let split = register.find(['+', '-']).unwrap_or(register.len());
    let (name, rest) = register.split_at(split);
    let name = name.trim().to_ascii_lowercase();
    let reg = match name.as_str() {
        "pc" => Some(Reg::Rip),
        "sp" => Some(Reg::Rsp),
        "fp" => Some(Reg::Rbp),
        other => Reg::from_name(other),
    }
    .filter(|reg| {
        matches!(
            reg.info().class,
            dbg_process::RegClass::Gpr | dbg_process::RegClass::SubGpr
        )
    })
    .ok_or_else(|| Error::UnknownRegister(format!("${name}")))?;
    let offset = match rest.trim() {
        "" => 0,
        rest => {
            let (negative, digits) = match rest.split_at(1) {
                ("-", digits) => (true, digits.trim()),
                (_, digits) => (false, digits.trim()),
            };
            let magnitude = match parse_number(digits) {
                Some(Some(n)) => i64::try_from(n).ok(),
                _ => None,
            }
            .ok_or_else(|| Error::InvalidOffset(text.to_string()))?;
            if negative {
                -magnitude
            } else {
                magnitude
            }
        }
    };
    Ok(Location::Register { reg, offset })
}

/// `Some(Some(n))` for a number that fits, `Some(None)` for one that does not, `None` for
/// text that is not a number.
fn parse_number(text: &str) -> Option<Option<u64>> {
    let (digits, radix) = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => (hex, 16),
        None => (text, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    Some(u64::from_str_radix(digits, radix).ok())
}

impl Session {
    /// Completions for a location being typed: up to `limit` function names of the program
    /// (its executable) and source file names (`nested.c:`) that start with `prefix`.
    pub fn complete_location(&mut self, prefix: &str, limit: usize) -> Vec<String> {
        let pid = self.pid();
        let Some(image) = self.images.all(pid).into_iter().next() else {
            return Vec::new();
        };
        let Some(module) = self.images.module(&image.path) else {
            return Vec::new();
        };
        let mut words = module.functions_starting_with(prefix, limit);
        if module.has_debug_info() {
            let files = module.source_files().unwrap_or_default();
            words.extend(
                files
                    .iter()
                    .filter(|path| !path.starts_with("/usr/"))
                    .filter_map(|path| path.rsplit('/').next())
                    .filter(|name| name.starts_with(prefix))
                    .map(|name| format!("{name}:")),
            );
        }
        words.sort();
        words.dedup();
        words.truncate(limit);
        words
    }

    /// Look for separate debug files in `directories` before `/usr/lib/debug` (gdb's
    /// `debug-file-directory`): by build-id in `DIR/.build-id/`, and by `.gnu_debuglink`
    /// in `DIR/<the binary's directory>/`. Binaries read before are read again when next
    /// wanted.
    pub fn set_debug_file_directories(&mut self, directories: Vec<std::path::PathBuf>) {
        self.images.set_debug_file_directories(directories);
        self.value_types.clear();
        self.scope_cache.clear();
    }

    /// Every binary mapped in the process, the executable first (not the vdso), with the
    /// separate debug file its DWARF and symbols come from, when one was found.
    pub fn debug_files(&mut self) -> Vec<(std::path::PathBuf, Option<std::path::PathBuf>)> {
        let pid = self.pid();
        self.images.debug_files(pid)
    }

    /// Binaries whose symbols could not be read, since the last call: each is said once,
    /// and its places show as unknown.
    pub fn symbol_warnings(&mut self) -> Vec<crate::error::SymbolWarning> {
        self.images.take_warnings()
    }

    /// What the symbols say about `address`: function, offset, source line, binary.
    pub fn place(&mut self, address: VirtAddr) -> Option<CodePlace> {
        let pid = self.pid();
        self.images.place(pid, address)
    }

    /// `function+offset` for `address` from the ELF symbols (no line information): how
    /// disassembly is symbolised.
    pub fn symbolize(&mut self, address: VirtAddr) -> Option<String> {
        let pid = self.pid();
        self.images.symbol_at(pid, address)
    }

    /// The address a location names (a function's entry, not past its prologue).
    pub fn resolve_address(&mut self, location: &Location) -> Result<VirtAddr> {
        match location {
            Location::Register { reg, offset } => {
                self.ensure_stopped()?;
                let value = self.frame_register(*reg)?.as_u64();
                Ok(VirtAddr::new(value.wrapping_add_signed(*offset)))
            }
            Location::CurrentLine(line) => {
                let location = self.in_current_file(*line)?;
                self.resolve_address(&location)
            }
            Location::Address(address) => Ok(*address),
            Location::Expression(expression) => self.expression_address(expression),
            // A symbol is its address (SPEC §3); a name that is none — a local variable, a
            // parameter — is what gdb makes of it as an expression (`x/s label`).
            Location::Function(name) => match self.symbol_address(name) {
                Ok(address) => Ok(address),
                Err(error) if self.ensure_stopped().is_ok() => {
                    self.expression_address(name).map_err(|_| error)
                }
                Err(error) => Err(error),
            },
            Location::Symbol { name, offset } => {
                Ok(self.symbol_address(name)?.wrapping_add(*offset))
            }
            Location::Line { file, line } => self
                .breakpoint_addresses(location)?
                .first()
                .copied()
                .ok_or_else(|| Error::NoCodeAtLine {
                    file: file.clone(),
                    line: *line,
                }),
        }
    }

    /// Line `line` of the current source file: the one last listed, else the selected
    /// frame's, else the file of `main`.
    pub(crate) fn in_current_file(&mut self, line: u32) -> Result<Location> {
        let listed = self.list_state.as_ref().map(|state| state.path.clone());
        let file = match listed {
            Some(path) => Some(path),
            None => {
                let frame = self.selected_frame().ok();
                let here = frame.and_then(|f| f.place).and_then(|p| p.source);
                match here {
                    Some(source) => Some(source.path),
                    None => {
                        let main = self.resolve_address(&Location::Function("main".into()));
                        let pid = self.pid();
                        main.ok()
                            .and_then(|address| self.images.line_at(pid, address))
                            .map(|source| source.path)
                    }
                }
            }
        };
        let file = file.ok_or(Error::NoCurrentSourceFile)?;
        Ok(Location::Line { file, line })
    }

    /// The runtime address of symbol `name` (its entry): the main executable first, then the
    /// other loaded binaries.
    fn symbol_address(&mut self, name: &str) -> Result<VirtAddr> {
        let pid = self.pid();
        for image in self.images.all(pid) {
            let Some(module) = self.images.module(&image.path) else {
                continue;
            };
            if let Some(symbol) = module.symbols_named(name).first() {
                return Ok(image.bias.to_virt(symbol.address));
            }
        }
        Err(self.no_symbol(name))
    }

    fn no_symbol(&mut self, name: &str) -> Error {
        let pid = self.pid();
        let mut suggestions = Vec::new();
        if let Some(image) = self.images.all(pid).first() {
            if let Some(module) = self.images.module(&image.path) {
                suggestions = module.similar_names(name, 5);
            }
        }
        Error::NoSymbol {
            name: name.to_string(),
            suggestions,
        }
    }

    /// The addresses a breakpoint at `location` goes to: past the prologue of every function
    /// so named (each overload or copy), or every function a source line has code in.
    pub fn breakpoint_addresses(&mut self, location: &Location) -> Result<Vec<VirtAddr>> {
        let pid = self.pid();
        match location {
            Location::CurrentLine(line) => {
                let location = self.in_current_file(*line)?;
                self.breakpoint_addresses(&location)
            }
            Location::Address(address) => Ok(vec![*address]),
            Location::Symbol { .. } | Location::Register { .. } | Location::Expression(_) => {
                Ok(vec![self.resolve_address(location)?])
            }
            Location::Function(name) => {
                for image in self.images.all(pid) {
                    let Some(module) = self.images.module(&image.path) else {
                        continue;
                    };
                    let found =
                        module
                            .breakpoint_addresses(name)
                            .map_err(|source| Error::Symbols {
                                path: image.path.display().to_string(),
                                source,
                            })?;
                    if !found.is_empty() {
                        return Ok(found
                            .into_iter()
                            .map(|(_, address)| image.bias.to_virt(address))
                            .collect());
                    }
                }
                Err(self.no_symbol(name))
            }
            Location::Line { file, line } => {
                let mut any_debug_info = None;
                let mut suggestions = Vec::new();
                for image in self.images.all(pid) {
                    let Some(module) = self.images.module(&image.path) else {
                        continue;
                    };
                    if !module.has_debug_info() {
                        continue;
                    }
                    any_debug_info.get_or_insert(image.path.clone());
                    match module
                        .line_addresses(file, *line)
                        .map_err(|source| Error::Symbols {
                            path: image.path.display().to_string(),
                            source,
                        })? {
                        LineLookup::Found { addresses, .. } => {
                            return Ok(addresses
                                .into_iter()
                                .map(|a| image.bias.to_virt(a))
                                .collect())
                        }
                        LineLookup::NoCode { .. } => {
                            return Err(Error::NoCodeAtLine {
                                file: file.clone(),
                                line: *line,
                            })
                        }
                        LineLookup::NoFile => {
                            if suggestions.is_empty() {
                                suggestions =
                                    similar_files(&module.source_files().unwrap_or_default(), file);
                            }
                        }
                    }
                }
                match any_debug_info {
                    None => {
                        let program = self
                            .images
                            .all(pid)
                            .first()
                            .map(|i| i.path.to_string_lossy().into_owned())
                            .unwrap_or_else(|| "the program".into());
                        Err(Error::NoLineInfo(program))
                    }
                    Some(_) => Err(Error::NoSourceFile {
                        file: file.clone(),
                        suggestions,
                    }),
                }
            }
        }
    }

    /// Set a breakpoint at `location`, with one location per function it names (all
    /// inserted, or none); `spec` is how the user wrote it. A function, line or symbol
    /// that no loaded binary has yet makes a pending breakpoint (no locations), resolved
    /// when a library defining it loads — when the program has a dynamic linker.
    pub fn set_breakpoint_at(
        &mut self,
        location: &Location,
        spec: &str,
        ignore: u64,
        hardware: bool,
    ) -> Result<Breakpoint> {
        self.ensure_stopped()?;
        // What is kept (and resolved again later) names the file, not "the current one".
        let location = match location {
            Location::CurrentLine(line) => &self.in_current_file(*line)?,
            other => other,
        };
        let addresses = match self.breakpoint_addresses(location) {
            Ok(addresses) => addresses,
            // Nothing loaded defines it yet: kept pending, resolved as libraries load (SPEC
            // §3), when a library can still load.
            Err(Error::NoSymbol { .. } | Error::NoSourceFile { .. } | Error::NoLineInfo(_))
                if self.can_load_libraries()
                    && matches!(
                        location,
                        Location::Function(_) | Location::Line { .. } | Location::Symbol { .. }
                    ) =>
            {
                Vec::new()
            }
            Err(error) => return Err(error),
        };
        let spec = spec.to_string();
        self.set_breakpoint_locations(addresses, location.clone(), spec, ignore, hardware)
    }
}

/// Source files whose name is close to `file` (same file name in another directory, or a
/// name that contains it), for suggestions.
fn similar_files(files: &[String], file: &str) -> Vec<String> {
    let wanted = file.rsplit('/').next().unwrap_or(file).to_ascii_lowercase();
    let stem = wanted.split('.').next().unwrap_or(&wanted).to_string();
    let mut found: Vec<String> = files
        .iter()
        .filter(|path| !path.starts_with("/usr/"))
        .filter(|path| {
            let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
            name == wanted || (!stem.is_empty() && name.contains(&stem))
        })
        .map(|path| path.rsplit('/').next().unwrap_or(path).to_string())
        .collect();
    found.sort();
    found.dedup();
    found.truncate(5);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse_as_the_command_language_writes_them() {
        let ok = |text: &str| Location::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(ok("0x401126"), Location::Address(VirtAddr::new(0x401126)));
        assert_eq!(ok("42"), Location::Address(VirtAddr::new(42)));
        assert_eq!(ok("main"), Location::Function("main".into()));
        let reg = |reg, offset| Location::Register { reg, offset };
        assert_eq!(ok("$pc"), reg(Reg::Rip, 0));
        assert_eq!(ok("$sp+8"), reg(Reg::Rsp, 8));
        assert_eq!(ok("$RSP - 0x10"), reg(Reg::Rsp, -16));
        assert_eq!(ok("*$rax"), reg(Reg::Rax, 0));
        assert!(Location::parse("$xmm0").is_err(), "not a general register");
        assert!(Location::parse("$nope").is_err());
        assert!(Location::parse("$pc+zz").is_err());
        assert_eq!(
            Location::parse_location("30").ok(),
            Some(Location::CurrentLine(30))
        );
        assert!(Location::parse_location("0").is_err());
        assert_eq!(
            ok("bigbin::main"),
            Location::Function("bigbin::main".into())
        );
        assert_eq!(
            ok("main+4"),
            Location::Symbol {
                name: "main".into(),
                offset: 4
            }
        );
        assert_eq!(
            ok("main+0x10"),
            Location::Symbol {
                name: "main".into(),
                offset: 16
            }
        );
        assert_eq!(
            ok("*main"),
            Location::Symbol {
                name: "main".into(),
                offset: 0
            }
        );
        assert_eq!(
            ok("hello.c:5"),
            Location::Line {
                file: "hello.c".into(),
                line: 5
            }
        );
        assert_eq!(
            ok("src/a b.c:12"),
            Location::Line {
                file: "src/a b.c".into(),
                line: 12
            }
        );
        assert_eq!(
            ok("geo::Square::area"),
            Location::Function("geo::Square::area".into())
        );
        for bad in [
            "",
            "0xzz",
            "12abc",
            "main+",
            "main+zz",
            "+4",
            "hello.c:0",
            "0x1ffffffffffffffff",
        ] {
            assert!(Location::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_star_or_an_address_that_is_no_plain_name_is_an_expression() {
        let expression = |text: &str| Location::Expression(text.into());
        let ok = |text: &str| Location::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(ok("*($pc + 4)"), expression("($pc + 4)"));
        assert_eq!(ok("* &total"), expression("&total"));
        assert_eq!(ok("*ptr->next"), expression("ptr->next"));
        // Plain forms keep their meaning.
        assert_eq!(
            ok("*main+4"),
            Location::Symbol {
                name: "main".into(),
                offset: 4
            }
        );
        assert_eq!(ok("*0x10"), Location::Address(VirtAddr::new(0x10)));
        assert!(Location::parse("*hello.c:5").is_err());
        assert!(Location::parse("**main").is_err());
        assert!(Location::parse("*").is_err());
        // Without the star only where an address is wanted (`x`, `memory read`).
        let address = |text: &str| Location::parse_address(text).unwrap();
        assert_eq!(address("&total"), expression("&total"));
        assert_eq!(address("(char *)buf + 2"), expression("(char *)buf + 2"));
        assert_eq!(address("arr[3]"), expression("arr[3]"));
        assert_eq!(address("main"), Location::Function("main".into()));
        assert_eq!(
            address("std::vector<int>::size"),
            Location::Function("std::vector<int>::size".into())
        );
        assert_eq!(
            address("$sp+8"),
            Location::Register {
                reg: Reg::Rsp,
                offset: 8
            }
        );
        assert!(Location::parse_address("").is_err());
        assert_eq!(ok("&total"), Location::Function("&total".into()));
    }
}
