//! Values for the variables view, watches, hovers and the debug console: `variables` (one
//! level at a time through variables references, large arrays paged), `setVariable`, and
//! `evaluate` — an expression in the frame's language, or (`repl`) a line of the command
//! language, run by the session's `Runner` with its printed lines as the result.

use dbg_session::{Reg, RegClass, Value, REGISTERS};

use super::{hex, Server};
use crate::error::{Error, Result};
use crate::protocol::requests::{
    EvaluateArguments, EvaluateBody, SetExpressionArguments, SetVariableArguments, SetVariableBody,
    VariablesArguments, VariablesBody,
};
use crate::protocol::types::Variable;

/// Arrays longer than this are paged (`indexedVariables`): the client asks for windows.
const PAGED_ARRAY: u64 = 100;

/// The most elements one `variables` answer of an array carries.
const MAX_PAGE: u64 = 10_000;

/// What a variables reference lists.
#[derive(Debug, Clone)]
pub(super) enum Handle {
    /// A frame's local variables.
    Locals { frame: i64 },
    /// A frame's arguments.
    Arguments { frame: i64 },
    /// A frame's general registers.
    Registers { frame: i64 },
    /// The parts of a value, in a frame (none: the selected frame).
    Value {
        frame: Option<i64>,
        value: Value,
        /// An expression for it, from which its parts' expressions are made.
        expression: Option<String>,
        /// For a paged array: its length.
        length: Option<u64>,
    },
}

impl Server {
    /// A variables reference for `handle`.
    pub(super) fn reference(&mut self, handle: Handle) -> i64 {
        self.handles.push(handle);
        self.handles.len() as i64
    }

    fn lookup(&self, reference: i64) -> Result<Handle> {
        super::index_of(reference)
            .and_then(|i| self.handles.get(i).cloned())
            .ok_or(Error::UnknownReference(reference))
    }

    fn focus(&mut self, frame: Option<i64>) -> Result<()> {
        match frame {
            Some(frame) => self.focus_frame(frame),
            None => Ok(()),
        }
    }

    pub(super) fn variables(&mut self, args: VariablesArguments) -> Result<VariablesBody> {
        let variables = match self.lookup(args.variables_reference)? {
            Handle::Locals { frame } | Handle::Arguments { frame } => {
                let arguments = matches!(
                    self.lookup(args.variables_reference)?,
                    Handle::Arguments { .. }
                );
                self.focus_frame(frame)?;
                let session = self.session()?;
                let values = if arguments {
                    session.args()
                } else {
                    session.locals()
                };
                // A frame without debug information has no scope: no variables, not an
                // error the client would show.
                let values = values.unwrap_or_default();
                values
                    .into_iter()
                    .map(|named| {
                        let expression = Some(named.name.clone());
                        self.variable(Some(frame), named.name, &named.value, expression)
                    })
                    .collect()
            }
            Handle::Registers { frame } => {
                self.focus_frame(frame)?;
                let regs: Vec<Reg> = REGISTERS
                    .iter()
                    .filter(|info| info.class == RegClass::Gpr)
                    .map(|info| info.reg)
                    .collect();
                self.session()?
                    .read_registers(&regs)?
                    .into_iter()
                    .map(|(reg, value)| Variable {
                        name: reg.info().name.to_string(),
                        value: dbg_session::console::output::register_text(&value),
                        type_name: None,
                        evaluate_name: Some(format!("${}", reg.info().name)),
                        variables_reference: 0,
                        named_variables: None,
                        indexed_variables: None,
                        memory_reference: None,
                    })
                    .collect()
            }
            Handle::Value {
                frame,
                value,
                expression,
                length,
            } => {
                self.focus(frame)?;
                let session = self.session()?;
                let parts = match length {
                    Some(length) => {
                        let start = u64::try_from(args.start.unwrap_or(0)).unwrap_or(0);
                        let count = u64::try_from(args.count.unwrap_or(0))
                            .ok()
                            .filter(|count| *count > 0)
                            .unwrap_or(length)
                            .min(MAX_PAGE);
                        session.array_elements(&value, start, count)?
                    }
                    None => session.value_children(&value, true)?,
                };
                parts
                    .into_iter()
                    .map(|part| {
                        let child = expression
                            .as_deref()
                            .and_then(|parent| part_expression(parent, &part.name));
                        let name = match (part.name.as_str(), &expression) {
                            ("*", Some(parent)) => format!("*{parent}"),
                            _ => part.name,
                        };
                        self.variable(frame, name, &part.value, child)
                    })
                    .collect()
            }
        };
        Ok(VariablesBody { variables })
    }

    /// A value as the protocol shows it, with a reference to its parts when it has some.
    fn variable(
        &mut self,
        frame: Option<i64>,
        name: String,
        value: &Value,
        expression: Option<String>,
    ) -> Variable {
        let text = match self.session() {
            Ok(session) => session
                .format_value(value, None, false)
                .unwrap_or_else(|error| format!("<error: {error}>")),
            Err(error) => format!("<error: {error}>"),
        };
        let (reference, indexed) = self.parts(frame, value, expression.clone());
        Variable {
            name,
            value: text,
            type_name: Some(value.ty.name()),
            evaluate_name: expression,
            variables_reference: reference,
            named_variables: None,
            indexed_variables: indexed,
            memory_reference: value.address().map(hex),
        }
    }

    /// A reference to a value's parts (0 when it has none), and the length of a paged
    /// array.
    fn parts(
        &mut self,
        frame: Option<i64>,
        value: &Value,
        expression: Option<String>,
    ) -> (i64, Option<i64>) {
        let Ok(session) = self.session() else {
            return (0, None);
        };
        let length = session.array_length(value).ok().flatten();
        if let Some(length) = length.filter(|length| *length > PAGED_ARRAY) {
            let reference = self.reference(Handle::Value {
                frame,
                value: value.clone(),
                expression,
                length: Some(length),
            });
            return (reference, i64::try_from(length).ok());
        }
        if session
            .value_children(value, true)
            .is_ok_and(|parts| !parts.is_empty())
        {
            let reference = self.reference(Handle::Value {
                frame,
                value: value.clone(),
                expression,
                length: None,
            });
            return (reference, None);
        }
        (0, None)
    }

    /// The frame and expression of part `name` of what `reference` lists.
    pub(super) fn child_expression(
        &self,
        reference: i64,
        name: &str,
    ) -> Result<(Option<i64>, String)> {
        match self.lookup(reference)? {
            Handle::Locals { frame } | Handle::Arguments { frame } => {
                Ok((Some(frame), name.to_string()))
            }
            Handle::Registers { frame } => Ok((Some(frame), format!("${name}"))),
            Handle::Value {
                frame, expression, ..
            } => {
                // A pointer's target is shown as `*parent`.
                let part = match (name.strip_prefix('*'), &expression) {
                    (Some(rest), Some(parent)) if rest == parent => "*",
                    _ => name,
                };
                expression
                    .as_deref()
                    .and_then(|parent| part_expression(parent, part))
                    .map(|expression| (frame, expression))
                    .ok_or_else(|| Error::Unnamed(name.to_string()))
            }
        }
    }

    pub(super) fn set_variable(&mut self, args: SetVariableArguments) -> Result<SetVariableBody> {
        let (frame, target) = self.child_expression(args.variables_reference, &args.name)?;
        self.focus(frame)?;
        let session = self.session()?;
        let value = session.evaluate(&format!("{target} = {}", args.value))?;
        let text = session.format_value(&value, None, false)?;
        let (reference, indexed) = self.parts(frame, &value, Some(target));
        Ok(SetVariableBody {
            value: text,
            type_name: Some(value.ty.name()),
            variables_reference: Some(reference),
            indexed_variables: indexed,
        })
    }

    pub(super) fn set_expression(
        &mut self,
        args: SetExpressionArguments,
    ) -> Result<SetVariableBody> {
        self.focus(args.frame_id)?;
        let session = self.session()?;
        let value = session.evaluate(&format!("{} = {}", args.expression, args.value))?;
        let text = session.format_value(&value, None, false)?;
        let (reference, indexed) = self.parts(args.frame_id, &value, Some(args.expression));
        Ok(SetVariableBody {
            value: text,
            type_name: Some(value.ty.name()),
            variables_reference: Some(reference),
            indexed_variables: indexed,
        })
    }

    pub(super) fn evaluate(&mut self, args: EvaluateArguments) -> Result<EvaluateBody> {
        self.focus(args.frame_id)?;
        if args.context.as_deref() == Some("repl") {
            return self.console_command(&args.expression);
        }
        let session = self.session()?;
        let value = session.evaluate(&args.expression)?;
        let text = session.format_value(&value, None, true)?;
        let (reference, indexed) = self.parts(args.frame_id, &value, Some(args.expression.clone()));
        Ok(EvaluateBody {
            result: text,
            type_name: Some(value.ty.name()),
            variables_reference: reference,
            indexed_variables: indexed,
            memory_reference: value.address().map(hex),
        })
    }

    /// A debug-console line: run by the command language, its printed lines the result. A
    /// command that ran the program (`continue`, `next` typed there) makes the client show
    /// the new stop.
    fn console_command(&mut self, line: &str) -> Result<EvaluateBody> {
        let runner = self.runner.as_mut().ok_or(Error::NoSession)?;
        runner.execute(line);
        let failed = runner.last_failed();
        let events = runner.take_events();
        let printed: Vec<String> = self.sink.take().into_iter().map(|(_, text)| text).collect();
        let text = printed.join("\n");
        let ran = events.iter().any(|event| {
            matches!(
                event,
                dbg_session::Event::Stopped(_)
                    | dbg_session::Event::Exited { .. }
                    | dbg_session::Event::Killed { .. }
                    | dbg_session::Event::Detached { .. }
            )
        });
        if ran {
            self.forget_stop();
            self.after = Some(super::After::ReportConsoleRun(events));
        }
        if failed {
            return Err(Error::Console(text));
        }
        Ok(EvaluateBody {
            result: text,
            ..EvaluateBody::default()
        })
    }
}

/// The expression of part `part` (as `value_children` names it) of the value of `parent`;
/// `None` for a part no expression names (a base class).
fn part_expression(parent: &str, part: &str) -> Option<String> {
    let simple = parent
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '[' | ']' | '$'));
    let base = if simple {
        parent.to_string()
    } else {
        format!("({parent})")
    };
    if part == "*" {
        Some(format!("*{base}"))
    } else if part.starts_with('[') {
        Some(format!("{base}{part}"))
    } else if part.starts_with('<') {
        None
    } else {
        Some(format!("{base}.{part}"))
    }
}

#[cfg(test)]
mod tests {
    use super::part_expression;

    #[test]
    fn part_expressions() {
        assert_eq!(part_expression("s", "x").as_deref(), Some("s.x"));
        assert_eq!(part_expression("a[2]", "[3]").as_deref(), Some("a[2][3]"));
        assert_eq!(part_expression("p", "*").as_deref(), Some("*p"));
        assert_eq!(part_expression("*p", "next").as_deref(), Some("(*p).next"));
        assert_eq!(part_expression("s", "<Base>"), None);
    }
}
