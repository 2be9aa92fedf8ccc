//! Breakpoint conditions: parsed once when set (an error then if they do not parse, or name
//! something no location of the breakpoint can see), evaluated at each hit in the hitting
//! thread's innermost frame without unwinding the stack.

use dbg_expr::ast::{Expr, Language};
use dbg_expr::EvalError;
use dbg_process::Pid;
use dbg_sys::VirtAddr;

use super::Session;
use crate::error::{Error, Result};

impl Session {
    /// Stop at breakpoint `id` only when `condition` is non-zero; `None` (or an empty
    /// condition) removes it. A condition that does not parse, or names a variable no
    /// location of the breakpoint sees, is refused and the old one kept.
    pub fn set_breakpoint_condition(&mut self, id: u32, condition: Option<&str>) -> Result<()> {
        let locations = self
            .breakpoints
            .get(id)
            .ok_or(Error::UnknownBreakpoint(id))?
            .locations
            .clone();
        let Some(text) = condition.map(str::trim).filter(|text| !text.is_empty()) else {
            self.breakpoints.set_condition(id, None);
            return Ok(());
        };
        let expr = self.compile_condition(text, &locations)?;
        self.breakpoints
            .set_condition(id, Some((text.to_string(), expr)));
        Ok(())
    }

    fn compile_condition(&mut self, text: &str, locations: &[VirtAddr]) -> Result<Expr> {
        let pid = self.pid();
        let language = match locations.first() {
            Some(address) => match self.images.shared_module_at(pid, *address) {
                Some((image, module)) => {
                    let scopes = self.scopes_at(&module, image.bias.to_file(*address));
                    scopes.first().map_or(Language::C, |scope| {
                        super::values::language_of(scope.language)
                    })
                }
                None => Language::C,
            },
            None => Language::C,
        };
        let modules = self.images.shared_modules(pid);
        let is_type = |name: &str| {
            dbg_expr::builtin_type(name, language).is_some()
                || modules
                    .iter()
                    .any(|(_, module)| module.type_named(name).ok().flatten().is_some())
        };
        let expr = dbg_expr::parse(text, language, &is_type)?;
        if !locations.is_empty() {
            for name in expr.names() {
                if !locations.iter().any(|at| self.name_known_at(name, *at)) {
                    return Err(EvalError::UnknownName(name.to_string()).into());
                }
            }
        }
        Ok(expr)
    }

    /// Whether `name` is a variable in scope at `address`, or a global, enumerator or
    /// function of some binary.
    fn name_known_at(&mut self, name: &str, address: VirtAddr) -> bool {
        let pid = self.pid();
        if let Some((image, module)) = self.images.shared_module_at(pid, address) {
            let scopes = self.scopes_at(&module, image.bias.to_file(address));
            let local = scopes.first().is_some_and(|scope| {
                scope
                    .blocks
                    .iter()
                    .any(|block| block.iter().any(|v| v.name == name))
            });
            if local {
                return true;
            }
        }
        self.images.shared_modules(pid).iter().any(|(_, module)| {
            module
                .global_variables(name, None)
                .is_ok_and(|found| !found.is_empty())
                || module.enumerator_named(name).ok().flatten().is_some()
                || module.symbols_named(name).iter().any(|s| s.name == name)
        })
    }

    /// Of breakpoints `ids` hit by thread `tid`, those whose conditions hold (their hits
    /// count), and the first whose condition could not be evaluated (it counts too: the
    /// process stops there, as in gdb).
    pub(crate) fn hits_holding(
        &mut self,
        ids: &[u32],
        tid: Pid,
    ) -> (Vec<u32>, Option<(u32, String)>) {
        let mut counted = Vec::with_capacity(ids.len());
        let mut failed = None;
        for id in ids {
            match self.condition_holds(*id, tid) {
                Ok(true) => counted.push(*id),
                Ok(false) => {}
                Err(error) => {
                    counted.push(*id);
                    failed.get_or_insert((*id, error));
                }
            }
        }
        (counted, failed)
    }

    /// Whether breakpoint `id`'s condition holds for thread `tid` at its hit (true without
    /// a condition); why not, when it cannot be evaluated.
    pub(crate) fn condition_holds(
        &mut self,
        id: u32,
        tid: Pid,
    ) -> std::result::Result<bool, String> {
        let Some(expr) = self.breakpoints.condition(id) else {
            return Ok(true);
        };
        let here = self.process.current_thread();
        if here != tid {
            self.guard(|process| process.select_thread(tid))
                .map_err(|e| e.to_string())?;
        }
        self.forget_frames();
        let result = match self.innermost_context() {
            Ok(mut ctx) => dbg_expr::evaluate(&mut ctx, &expr)
                .and_then(|value| dbg_expr::is_true(&mut ctx, &value))
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        self.forget_frames();
        if here != tid {
            self.guard(|process| process.select_thread(here))
                .map_err(|e| e.to_string())?;
        }
        result
    }
}
