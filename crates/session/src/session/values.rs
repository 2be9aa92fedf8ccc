//! Values in the selected frame: expressions parsed and evaluated by dbg-expr over this
//! session (variables from DWARF scopes and globals, registers of the frame, the process's
//! memory with our `int3`s hidden), locals and arguments, types, and the value history.

use std::sync::Arc;

use dbg_expr::ast::{Expr, HistoryRef, Language};
use dbg_expr::{Context, EvalError, Format, Place, PrintOptions, Type, TypeRc, Value};
use dbg_process::{Reg, RegValue};
use dbg_symbols::{FileAddr, FunctionScope, Module, SourceLanguage, Variable};
use dbg_sys::VirtAddr;

use super::frames::{Frame, DWARF_REGS};
use super::Session;
use crate::error::{Error, Result};
use crate::images::Image;
use crate::load_bias::LoadBias;

/// The most addresses whose scopes are kept.
const MAX_CACHED_SCOPES: usize = 4096;

/// The most values the history keeps (gdb keeps them all; a script printing in a loop must
/// not grow without bound).
const MAX_HISTORY: usize = 10_000;

/// A named value: a local, an argument, a member.
#[derive(Debug, Clone)]
pub struct NamedValue {
    /// Its name.
    pub name: String,
    /// The value.
    pub value: Value,
}

/// A variable as shown: its name, its type's name and its value's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableText {
    /// Its name.
    pub name: String,
    /// Its type's name.
    pub type_name: String,
    /// Its value as gdb shows it (`...` for a struct or array argument in a frame line).
    pub text: String,
}

impl Session {
    /// Frame `index`'s arguments as a backtrace line shows them: scalars by value, structs,
    /// unions and arrays as `...` (gdb's `print frame-arguments scalars`).
    pub fn frame_arguments(&mut self, index: usize) -> Result<Vec<VariableText>> {
        self.in_frame(index, |session| {
            let args = session.args()?;
            session.texts(args, true)
        })
    }

    /// Frame `index`'s local variables as `backtrace full` shows them.
    pub fn frame_locals(&mut self, index: usize) -> Result<Vec<VariableText>> {
        self.in_frame(index, |session| {
            let locals = session.locals()?;
            session.texts(locals, false)
        })
    }

    fn texts(&mut self, values: Vec<NamedValue>, scalars_only: bool) -> Result<Vec<VariableText>> {
        let mut ctx = self.frame_context()?;
        Ok(values
            .into_iter()
            .map(|named| {
                let aggregate = dbg_expr::stripped(&mut ctx, &named.value.ty)
                    .is_ok_and(|ty| matches!(ty.as_ref(), Type::Struct(_) | Type::Array { .. }));
                let text = if scalars_only && aggregate {
                    "...".to_string()
                } else {
                    dbg_expr::show_value(&mut ctx, &named.value, PrintOptions::default())
                };
                VariableText {
                    name: named.name,
                    type_name: named.value.ty.name(),
                    text,
                }
            })
            .collect())
    }

    /// Run `work` with frame `index` selected, then select the frame selected before.
    fn in_frame<T>(
        &mut self,
        index: usize,
        work: impl FnOnce(&mut Session) -> Result<T>,
    ) -> Result<T> {
        let selected = self.selected_frame;
        self.select_frame(index)?;
        let result = work(self);
        self.selected_frame = selected;
        result
    }

    /// Evaluate `expression`, which may not assign, in the selected frame; and whether it
    /// names a local or argument of the frame (a watch on it ends with the frame).
    pub(crate) fn evaluate_lvalue(&mut self, expression: &str) -> Result<(Value, bool)> {
        let mut ctx = self.frame_context()?;
        let expr = ctx.parse(expression)?;
        if super::watch_values::assigns(&expr) {
            return Err(Error::WatchExpression {
                expression: expression.into(),
                why: "it assigns",
            });
        }
        let local = expr.names().iter().any(|name| {
            ctx.scope().is_some_and(|scope| {
                scope
                    .blocks
                    .iter()
                    .any(|block| block.iter().any(|v| v.name == *name))
            })
        });
        let value = dbg_expr::evaluate(&mut ctx, &expr)?;
        Ok((value, local))
    }

    /// `bytes` of type `ty` as `print` shows them.
    pub(crate) fn format_bytes(&mut self, ty: &TypeRc, bytes: &[u8]) -> Result<String> {
        let mut ctx = self.innermost_context()?;
        let value = Value::bytes(ty.clone(), bytes.to_vec());
        Ok(dbg_expr::print_value(
            &mut ctx,
            &value,
            PrintOptions::default(),
        )?)
    }

    /// Evaluate `expression` in the selected frame (an assignment writes the program's
    /// memory or registers).
    pub fn evaluate(&mut self, expression: &str) -> Result<Value> {
        // Writing memory forgets the frames and the selection with them: remember it first.
        let selected = self.selected_frame;
        let mut ctx = self.frame_context()?;
        let expr = ctx.parse(expression)?;
        let value = dbg_expr::evaluate(&mut ctx, &expr)?;
        if ctx.wrote {
            self.forget_frames_keep_selection(selected);
        }
        Ok(value)
    }

    /// The address `expression` stands for as gdb's `x EXPR` and `break *EXPR` take it: a
    /// pointer's or an integer's value, an array's or a function's address.
    pub fn expression_address(&mut self, expression: &str) -> Result<VirtAddr> {
        let value = self.evaluate(expression)?;
        let by_place = matches!(
            value.ty.strip(),
            dbg_expr::Type::Array { .. } | dbg_expr::Type::Function { .. }
        );
        if by_place {
            if let Some(address) = value.address() {
                return Ok(VirtAddr::new(address));
            }
        }
        if value.ty.is_integral() || value.ty.is_pointer() {
            let mut ctx = self.frame_context()?;
            return Ok(VirtAddr::new(value.to_i128(&mut ctx)? as u64));
        }
        let name = value.ty.name();
        let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        Err(Error::NotAnAddress {
            expression: expression.to_string(),
            ty: format!("{article} {name}"),
        })
    }

    /// The value as `print` shows it (`top`: with a pointer's type) or as a member or local
    /// shows it.
    pub fn format_value(
        &mut self,
        value: &Value,
        format: Option<Format>,
        top: bool,
    ) -> Result<String> {
        let mut ctx = self.frame_context()?;
        let options = PrintOptions { format };
        if top {
            Ok(dbg_expr::print_value(&mut ctx, value, options)?)
        } else {
            Ok(dbg_expr::show_value(&mut ctx, value, options))
        }
    }

    /// The parts of a value one level down (a struct's members, an array's or a
    /// container's elements, at most [`dbg_expr::PRINT_MAX`]; with `follow_pointers`, what a
    /// pointer points to): what a front end expands a value into. Empty for scalars and
    /// strings.
    pub fn value_children(
        &mut self,
        value: &Value,
        follow_pointers: bool,
    ) -> Result<Vec<NamedValue>> {
        let mut ctx = self.frame_context()?;
        Ok(dbg_expr::children(&mut ctx, value, follow_pointers)?
            .into_iter()
            .map(|child| NamedValue {
                name: child.name,
                value: child.value,
            })
            .collect())
    }

    /// `ptype` (`expand`) or `whatis` of an expression or a type name.
    pub fn describe_type(&mut self, text: &str, expand: bool) -> Result<String> {
        let mut ctx = self.frame_context()?;
        // A name in scope is the variable, as in gdb, even where some binary also has a
        // type of that name (libc's debug information has a `struct array`).
        let parsed = ctx.parse(text).ok();
        if parsed.as_ref().is_some_and(dbg_expr::ast::Expr::assigns) {
            return Err(Error::TypeOfAssignment);
        }
        let as_expression = parsed.and_then(|expr| dbg_expr::evaluate(&mut ctx, &expr).ok());
        let ty = match (as_expression, ctx.parse_type(text)) {
            (Some(value), _) => value.ty,
            // `whatis` of a typedef's name shows what it names (one level), as gdb does.
            (None, Some(ty)) => match (expand, ty.as_ref()) {
                (false, Type::Typedef { target, .. }) => target.clone(),
                _ => ty,
            },
            (None, None) => {
                let expr = ctx.parse(text)?;
                dbg_expr::evaluate(&mut ctx, &expr)?.ty
            }
        };
        if expand {
            Ok(dbg_expr::ptype(&mut ctx, &ty)?)
        } else {
            Ok(dbg_expr::whatis(&ty))
        }
    }

    /// Every local variable in scope in the selected frame, innermost block first, each
    /// block in declaration order (gdb's `info locals`).
    pub fn locals(&mut self) -> Result<Vec<NamedValue>> {
        self.scope_values(false)
    }

    /// The selected frame's function's arguments, in order (gdb's `info args`).
    pub fn args(&mut self) -> Result<Vec<NamedValue>> {
        self.scope_values(true)
    }

    fn scope_values(&mut self, parameters: bool) -> Result<Vec<NamedValue>> {
        let mut ctx = self.frame_context()?;
        let Some(scope) = ctx.scope().cloned() else {
            return Err(Error::NoScope);
        };
        let mut values = Vec::new();
        for block in &scope.blocks {
            for variable in block.iter().filter(|v| v.parameter == parameters) {
                let value = ctx.variable_value(variable, Some(&scope));
                values.push(NamedValue {
                    name: variable.name.clone(),
                    value,
                });
            }
        }
        Ok(values)
    }

    /// Keep `value` as `$N` and return N.
    pub fn record_value(&mut self, value: Value) -> u64 {
        let snapshot = match self.frame_context() {
            Ok(mut ctx) => snapshot(&mut ctx, value),
            Err(_) => value,
        };
        if self.history.len() >= MAX_HISTORY {
            self.history_base += 1;
            self.history.remove(0);
        }
        self.history.push(snapshot);
        self.history_base + self.history.len() as u64
    }

    pub(super) fn frame_context(&mut self) -> Result<FrameContext<'_>> {
        // The innermost frame needs no walk of the whole stack (which would read the line
        // tables and DWARF of every caller, the runtime's too): one step of unwinding for
        // its CFA is all its values need.
        if self.selected_frame == 0 && self.frames.is_none() {
            let frame = self.innermost_frame()?;
            let scope_index = self.inline_skip;
            return self.context_at(frame, false, scope_index);
        }
        let frame = self.selected_frame()?;
        // A caller's pc is a return address: the call before it is where its scopes are.
        let innermost = self
            .frames
            .as_ref()
            .and_then(|frames| frames.first())
            .is_none_or(|first| first.pc == frame.pc && first.cfa == frame.cfa);
        let scope_index = self.inline_position(&frame);
        self.context_at(frame, !innermost, scope_index)
    }

    /// The context of the current thread's innermost frame, without unwinding the stack:
    /// what a breakpoint condition is evaluated in, at every hit.
    pub(crate) fn innermost_context(&mut self) -> Result<FrameContext<'_>> {
        let frame = self.innermost_frame()?;
        self.context_at(frame, false, 0)
    }

    fn context_at(
        &mut self,
        frame: Frame,
        caller: bool,
        scope_index: usize,
    ) -> Result<FrameContext<'_>> {
        let pid = self.pid();
        let lookup = if caller {
            frame.pc.wrapping_sub(1)
        } else {
            frame.pc
        };
        let module = self.images.shared_module_at(pid, lookup);
        let scopes = match &module {
            Some((image, module)) => self.scopes_at(module, image.bias.to_file(lookup)),
            None => Arc::new(Vec::new()),
        };
        let language = scopes
            .first()
            .map_or(Language::C, |scope| language_of(scope.language));
        Ok(FrameContext {
            session: self,
            frame,
            lookup: FileAddrAt { pc: lookup },
            module,
            scopes,
            scope_index,
            language,
            wrote: false,
        })
    }

    /// The DWARF scopes at `pc` of `module`, read once per address (a conditional
    /// breakpoint asks at every hit).
    pub(super) fn scopes_at(
        &mut self,
        module: &Arc<Module>,
        pc: FileAddr,
    ) -> Arc<Vec<FunctionScope>> {
        let key = (Arc::as_ptr(module) as usize, pc);
        if let Some(scopes) = self.scope_cache.get(&key) {
            return scopes.clone();
        }
        let scopes = Arc::new(module.scopes_at(pc).unwrap_or_default());
        if self.scope_cache.len() >= MAX_CACHED_SCOPES {
            self.scope_cache.clear();
        }
        // The module is kept alive by the images for as long as the cache (both are reset
        // together on exec), so its address identifies it.
        self.scope_cache.insert(key, scopes.clone());
        scopes
    }

    /// Which of the functions at the frame's pc the frame is (0: the innermost inlined one).
    fn inline_position(&mut self, frame: &Frame) -> usize {
        let frames = self.frames.clone().unwrap_or_default();
        let same = |other: &Frame| other.pc == frame.pc && other.cfa == frame.cfa;
        let before = frames
            .iter()
            .take(frame.index)
            .filter(|other| same(other))
            .count();
        let hidden = if frames.first().is_some_and(same) {
            self.inline_skip
        } else {
            0
        };
        before + hidden
    }

    /// Unwind again after a write (a frame's saved registers may have changed), with frame
    /// `selected` still selected.
    fn forget_frames_keep_selection(&mut self, selected: usize) {
        self.forget_frames();
        if self.backtrace().is_ok_and(|frames| selected < frames.len()) {
            self.selected_frame = selected;
        }
    }
}

/// The values in the history are copies: `$1` keeps the value it had when printed.
fn snapshot(ctx: &mut FrameContext<'_>, value: Value) -> Value {
    match value.fetch(ctx) {
        Ok(bytes) if value.bits.is_none() => Value::bytes(value.ty.clone(), bytes),
        _ => value,
    }
}

/// The type gdb gives `$pc`: `void (*)()`.
fn code_pointer() -> TypeRc {
    Type::pointer_to(Arc::new(Type::Function {
        ret: Arc::new(Type::Void),
        params: Vec::new(),
        varargs: true,
    }))
}

pub(super) fn language_of(language: SourceLanguage) -> Language {
    match language {
        SourceLanguage::Rust => Language::Rust,
        SourceLanguage::Cpp => Language::Cpp,
        _ => Language::C,
    }
}

#[derive(Debug, Clone, Copy)]
struct FileAddrAt {
    /// The runtime pc scopes were looked up at.
    pc: VirtAddr,
}

/// The session seen from one frame, for dbg-expr.
pub(crate) struct FrameContext<'s> {
    session: &'s mut Session,
    frame: Frame,
    lookup: FileAddrAt,
    module: Option<(Image, Arc<Module>)>,
    scopes: Arc<Vec<FunctionScope>>,
    scope_index: usize,
    language: Language,
    /// An assignment wrote memory or a register (the stack must be unwound again).
    wrote: bool,
}

impl FrameContext<'_> {
    fn scope(&self) -> Option<&FunctionScope> {
        self.scopes
            .get(self.scope_index)
            .or_else(|| self.scopes.last())
    }

    fn modules(&mut self) -> Vec<(Image, Arc<Module>)> {
        let pid = self.session.pid();
        let mut all = self.session.images.shared_modules(pid);
        // The frame's own binary first: its statics win, as in gdb.
        if let Some((image, _)) = &self.module {
            all.sort_by_key(|(other, _)| other.path != image.path);
        }
        all
    }

    fn parse(&mut self, text: &str) -> Result<dbg_expr::ast::Expr> {
        let modules = self.modules();
        let language = self.language;
        let is_type = |name: &str| {
            dbg_expr::builtin_type(name, language).is_some()
                || modules
                    .iter()
                    .any(|(_, module)| module.type_named(name).ok().flatten().is_some())
        };
        Ok(dbg_expr::parse(text, language, &is_type)?)
    }

    /// `text` as a type name, if it is one (`ptype struct point`, `whatis int *`).
    fn parse_type(&mut self, text: &str) -> Option<TypeRc> {
        let modules = self.modules();
        let language = self.language;
        let is_type = |name: &str| {
            dbg_expr::builtin_type(name, language).is_some()
                || modules
                    .iter()
                    .any(|(_, module)| module.type_named(name).ok().flatten().is_some())
        };
        let name = dbg_expr::parse_type(text, language, &is_type).ok()?;
        dbg_expr::resolve_type_name(self, &name).ok()
    }

    fn bias(&self) -> LoadBias {
        self.module
            .as_ref()
            .map_or_else(LoadBias::default, |(image, _)| image.bias)
    }

    /// The value of a DWARF variable of the frame's binary (`<optimized out>` when its
    /// location cannot be worked out).
    fn variable_value(&mut self, variable: &Variable, scope: Option<&FunctionScope>) -> Value {
        let module = self.module.as_ref().map(|(_, m)| m.clone());
        let bias = self.bias();
        self.located(variable, scope, module, bias)
    }

    fn located(
        &mut self,
        variable: &Variable,
        scope: Option<&FunctionScope>,
        module: Option<Arc<Module>>,
        bias: LoadBias,
    ) -> Value {
        let Some(module) = module else {
            return Value {
                ty: Arc::new(Type::Void),
                place: Place::OptimizedOut,
                bits: None,
            };
        };
        let ty = self.session.value_types.convert(&module, variable.ty);
        let pc = bias.to_file(self.lookup.pc);
        let tls = self.session.tls_block(&module);
        let mut locator = Locator {
            session: &mut *self.session,
            frame: &self.frame,
            bias,
            tls,
        };
        let place = match module.locate(variable, scope, pc, &mut locator) {
            Ok(place) => convert_place(place),
            Err(_) => Place::OptimizedOut,
        };
        Value {
            ty,
            place,
            bits: None,
        }
    }

    fn global(&mut self, name: &str) -> Option<Value> {
        let pc = self.lookup.pc;
        for (image, module) in self.modules() {
            let own = self
                .module
                .as_ref()
                .is_some_and(|(frame_image, _)| frame_image.path == image.path);
            let at = own.then(|| image.bias.to_file(pc));
            let Ok(found) = module.global_variables(name, at) else {
                continue;
            };
            if let Some(variable) = found.first() {
                return Some(self.located(variable, None, Some(module.clone()), image.bias));
            }
        }
        None
    }

    /// A function (or other ELF symbol) by name, as a value at its address.
    fn function(&mut self, name: &str) -> Option<Value> {
        for (image, module) in self.modules() {
            // The name as written, not gdb's wild matching of `break` (`args` must not find
            // `clap::ArgGroup::args` from a frame where no `args` is in scope).
            let Some(symbol) = module
                .symbols_named(name)
                .into_iter()
                .find(|symbol| symbol.name == name)
            else {
                continue;
            };
            let address = image.bias.to_virt(symbol.address).get();
            let ty = match module.function_type(symbol.address) {
                Ok(Some(desc)) => self.session.value_types.convert_desc_of(&module, desc),
                _ => Arc::new(Type::Unknown {
                    name: "<text variable, no debug info>".into(),
                    size: 0,
                }),
            };
            let ty = if matches!(ty.as_ref(), Type::Function { .. }) {
                ty
            } else {
                Arc::new(Type::Function {
                    ret: Type::int(4, true),
                    params: Vec::new(),
                    varargs: true,
                })
            };
            return Some(Value::at(ty, address));
        }
        None
    }

    fn dwarf_reg(number: u16) -> Option<Reg> {
        DWARF_REGS.get(usize::from(number)).copied()
    }
}

impl Context for FrameContext<'_> {
    fn language(&self) -> Language {
        self.language
    }

    fn lookup(&mut self, name: &str) -> dbg_expr::Result<Option<Value>> {
        if let Some(scope) = self.scope().cloned() {
            for block in &scope.blocks {
                if let Some(variable) = block.iter().rev().find(|v| v.name == name) {
                    return Ok(Some(self.variable_value(variable, Some(&scope))));
                }
            }
            // In a C++ method the class's members are names too, after the locals and
            // before the globals, as in gdb.
            let has_this = scope.blocks.iter().flatten().any(|v| v.name == "this");
            if self.language == Language::Cpp && has_this && name != "this" {
                let member = Expr::Arrow(Box::new(Expr::Name("this".into())), name.into());
                if let Ok(value) = dbg_expr::evaluate(self, &member) {
                    return Ok(Some(value));
                }
            }
        }
        if let Some(value) = self.global(name) {
            return Ok(Some(value));
        }
        if let Some(value) = self.enumerator(name) {
            return Ok(Some(value));
        }
        Ok(self.function(name))
    }

    fn lookup_type(&mut self, name: &str) -> dbg_expr::Result<Option<TypeRc>> {
        for (_, module) in self.modules() {
            if let Ok(Some(ty)) = module.type_named(name) {
                return Ok(Some(self.session.value_types.convert(&module, Some(ty))));
            }
        }
        Ok(None)
    }

    fn resolve_type(&mut self, id: u64) -> dbg_expr::Result<TypeRc> {
        self.session.value_types.resolve(id)
    }

    fn register(&mut self, name: &str) -> dbg_expr::Result<Option<Value>> {
        let (reg, ty) = match name {
            "pc" => (Reg::Rip, code_pointer()),
            "sp" => (Reg::Rsp, Type::pointer_to(Arc::new(Type::Void))),
            "fp" => (Reg::Rbp, Type::pointer_to(Arc::new(Type::Void))),
            _ => {
                let Some(reg) = Reg::from_name(name) else {
                    return Ok(None);
                };
                let ty = match reg {
                    Reg::Rip => Some(code_pointer()),
                    Reg::Rsp | Reg::Rbp => Some(Type::pointer_to(Arc::new(Type::Void))),
                    _ => None,
                };
                let size = reg.info().size;
                let ty = ty.unwrap_or_else(|| match size {
                    8 => Arc::new(Type::Typedef {
                        name: "int64_t".into(),
                        target: Type::int(8, true),
                    }),
                    1 | 2 | 4 => Type::int(size as u8, true),
                    _ => Arc::new(Type::Unknown {
                        name: name.into(),
                        size: size as u64,
                    }),
                });
                (reg, ty)
            }
        };
        // The 64-bit general registers (and their parts) live in the frame's unwound
        // registers; the others are read from the thread.
        let info = reg.info();
        let parent = DWARF_REGS.iter().enumerate().find(|(_, parent)| {
            let whole = parent.info();
            matches!(
                info.class,
                dbg_process::RegClass::Gpr | dbg_process::RegClass::SubGpr
            ) && whole.offset <= info.offset
                && info.offset < whole.offset + 8
        });
        if let Some((number, parent)) = parent {
            let offset = (info.offset - parent.info().offset) as u8;
            return Ok(Some(Value {
                ty,
                place: Place::Register {
                    number: number as u16,
                    offset,
                },
                bits: None,
            }));
        }
        let values = self
            .session
            .read_registers(&[reg])
            .map_err(|_| EvalError::RegisterUnavailable(name.into()))?;
        let bytes = values
            .first()
            .map(|(_, value)| value.bytes().to_vec())
            .unwrap_or_default();
        Ok(Some(Value::bytes(ty, bytes)))
    }

    fn read_memory(&mut self, address: u64, len: usize) -> dbg_expr::Result<Vec<u8>> {
        read_process(self.session, address, len)
    }

    fn write_memory(&mut self, address: u64, bytes: &[u8]) -> dbg_expr::Result<()> {
        self.wrote = true;
        self.session
            .write_memory(VirtAddr::new(address), bytes)
            .map_err(|_| EvalError::WriteMemory { address })
    }

    fn read_register(&mut self, number: u16) -> dbg_expr::Result<Vec<u8>> {
        let reg = Self::dwarf_reg(number)
            .ok_or_else(|| EvalError::RegisterUnavailable(format!("dwarf{number}")))?;
        if let Some(value) = self.frame.regs.get(usize::from(number)) {
            return Ok(value.to_le_bytes().to_vec());
        }
        // A register the unwinder did not recover (call-clobbered) shows the thread's
        // current value, as `register read` and gdb do.
        let values = self
            .session
            .thread_registers(self.session.process.current_thread(), &[reg])
            .map_err(|_| EvalError::RegisterUnavailable(reg.name().into()))?;
        Ok(values
            .first()
            .map(|(_, value)| value.bytes().to_vec())
            .unwrap_or_default())
    }

    fn write_register(&mut self, number: u16, bytes: &[u8]) -> dbg_expr::Result<()> {
        let reg = Self::dwarf_reg(number).ok_or(EvalError::WriteRegister(number))?;
        let mut word = [0u8; 8];
        for (slot, byte) in word.iter_mut().zip(bytes) {
            *slot = *byte;
        }
        let value = RegValue::from_u128(u128::from(u64::from_le_bytes(word)), 8)
            .ok_or(EvalError::WriteRegister(number))?;
        self.wrote = true;
        self.session
            .write_register(reg, value)
            .map_err(|_| EvalError::WriteRegister(number))
    }

    fn symbolize(&mut self, address: u64) -> Option<(String, u64)> {
        let pid = self.session.pid();
        let (image, module) = self
            .session
            .images
            .shared_module_at(pid, VirtAddr::new(address))?;
        let (symbol, offset) = module.symbol_at(image.bias.to_file(VirtAddr::new(address)))?;
        Some((symbol.name, offset))
    }

    fn history(&mut self, which: HistoryRef) -> dbg_expr::Result<Value> {
        let last = self.session.history_base + self.session.history.len() as u64;
        let number = match which {
            HistoryRef::Absolute(n) => n,
            HistoryRef::Relative(back) => last.saturating_sub(back),
        };
        number
            .checked_sub(self.session.history_base + 1)
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| self.session.history.get(i))
            .cloned()
            .ok_or_else(|| EvalError::NoHistory(format!("${number}")))
    }
}

impl FrameContext<'_> {
    fn enumerator(&mut self, name: &str) -> Option<Value> {
        for (_, module) in self.modules() {
            if let Ok(Some((ty, value))) = module.enumerator_named(name) {
                let ty = self.session.value_types.convert(&module, Some(ty));
                return Some(Value::int(ty, value));
            }
        }
        // A C++ `enum class`'s enumerators are named through it (`geo::Color::Red`).
        let (scope, _) = name.rsplit_once("::")?;
        let ty = self.lookup_type(scope).ok()??;
        let Type::Enum(enumeration) = ty.strip() else {
            return None;
        };
        let (_, value) = enumeration.values.iter().find(|(n, _)| n == name)?;
        Some(Value::int(ty.clone(), *value))
    }
}

/// Bytes of the process, our `int3`s hidden; all of them or an error naming the first
/// address that could not be read.
fn read_process(session: &mut Session, address: u64, len: usize) -> dbg_expr::Result<Vec<u8>> {
    let start = VirtAddr::new(address);
    let mut read = session
        .memory
        .read(start, len)
        .map_err(|_| EvalError::Memory { address })?;
    if read.bytes.len() < len {
        return Err(EvalError::Memory {
            address: address.wrapping_add(read.bytes.len() as u64),
        });
    }
    session.sites.hide(start, &mut read.bytes);
    Ok(read.bytes)
}

/// What DWARF location expressions ask of the frame.
struct Locator<'a> {
    session: &'a mut Session,
    frame: &'a Frame,
    bias: LoadBias,
    /// Where the variable's binary's thread-local block is found, if it has one.
    tls: Option<TlsBlock>,
}

/// How a binary's thread-local block is found in a thread.
#[derive(Debug, Clone, Copy)]
enum TlsBlock {
    /// The executable's: just below the thread pointer (x86-64's TLS variant II), at the
    /// size of its template rounded up to its alignment.
    Executable {
        /// `PT_TLS`'s size in memory.
        size: u64,
        /// Its alignment.
        align: u64,
    },
    /// A library's: entry `module` of the thread's dynamic thread vector (DTV), whose
    /// address is the second word of the thread control block.
    Module(u64),
}

impl Session {
    /// How `module`'s TLS block is found: the executable's below the thread pointer; a
    /// library's through the DTV at its module id. glibc numbers the binaries that have
    /// TLS from 1 in the dynamic linker's list order (the executable first): true of every
    /// library loaded at start-up; a library `dlopen`ed after another was closed may take
    /// a freed number, which this does not see.
    fn tls_block(&mut self, module: &Arc<Module>) -> Option<TlsBlock> {
        let (size, align) = module.tls_template()?;
        if self.images.is_executable(module) {
            return Some(TlsBlock::Executable { size, align });
        }
        let pid = self.pid();
        let executable_tls = self
            .images
            .shared_modules(pid)
            .into_iter()
            .find(|(_, m)| self.images.is_executable(m))
            .is_some_and(|(_, m)| m.tls_template().is_some());
        let mut id = u64::from(executable_tls);
        for library in self.linker.known.clone() {
            let Some((_, candidate)) = self.images.shared_module_at(pid, library.dynamic) else {
                continue;
            };
            if candidate.tls_template().is_none() {
                continue;
            }
            id += 1;
            if Arc::ptr_eq(&candidate, module) {
                return Some(TlsBlock::Module(id));
            }
        }
        None
    }
}

impl dbg_symbols::LocationContext for Locator<'_> {
    fn register(&mut self, number: u16) -> Option<u64> {
        self.frame.regs.get(usize::from(number))
    }

    fn read_memory(&mut self, address: u64, size: u8) -> Option<u64> {
        let bytes = read_process(self.session, address, usize::from(size.min(8))).ok()?;
        let mut word = [0u8; 8];
        for (slot, byte) in word.iter_mut().zip(&bytes) {
            *slot = *byte;
        }
        Some(u64::from_le_bytes(word))
    }

    fn cfa(&mut self) -> Option<u64> {
        self.frame.cfa.map(VirtAddr::get)
    }

    fn relocate(&mut self, address: FileAddr) -> u64 {
        self.bias.to_virt(address).get()
    }

    fn tls_address(&mut self, offset: u64) -> Option<u64> {
        let values = self.session.read_registers(&[Reg::FsBase]).ok()?;
        let thread_pointer = values.first()?.1.as_u64();
        let block = match self.tls? {
            TlsBlock::Executable { size, align } => {
                thread_pointer.wrapping_sub(size.checked_next_multiple_of(align)?)
            }
            TlsBlock::Module(id) => {
                // tcbhead_t { void *tcb; dtv_t *dtv; ... }; dtv_t entries are 16 bytes
                // ({ void *val; void *to_free; }), indexed by module id.
                let dtv = self.read_memory(thread_pointer.checked_add(8)?, 8)?;
                let entry = self.read_memory(dtv.checked_add(id.checked_mul(16)?)?, 8)?;
                // Not allocated yet in this thread (a dynamic TLS block is made on first use).
                if entry == 0 || entry == u64::MAX {
                    return None;
                }
                entry
            }
        };
        Some(block.wrapping_add(offset))
    }
}

fn convert_place(place: dbg_symbols::Place) -> Place {
    match place {
        dbg_symbols::Place::Memory(address) => Place::Memory(address),
        dbg_symbols::Place::Register(number) => Place::Register { number, offset: 0 },
        dbg_symbols::Place::Value(bytes) => Place::Bytes(bytes.into()),
        dbg_symbols::Place::OptimizedOut => Place::OptimizedOut,
        dbg_symbols::Place::Pieces(pieces) => Place::Pieces(
            pieces
                .into_iter()
                .map(|piece| (convert_place(piece.place), piece.bit_size))
                .collect(),
        ),
    }
}
