//! Data breakpoints: `dataBreakpointInfo` (whether a variable or expression can be watched,
//! and an id for it that remembers its frame) and `setDataBreakpoints` (the session's
//! watchpoints on expressions, replaced as a set; x86 watches writes, or reads and writes).

use dbg_session::{Pid, WatchKind};

use super::Server;
use crate::error::{Error, Result};
use crate::protocol::requests::{
    BreakpointsBody, DataBreakpointInfoArguments, DataBreakpointInfoBody,
    SetDataBreakpointsArguments,
};
use crate::protocol::types::{Breakpoint, DataBreakpointAccessType};

/// Where a data breakpoint's expression is evaluated.
#[derive(Debug, Clone)]
pub(super) struct DataTarget {
    frame: Option<(Pid, usize)>,
    expression: String,
}

impl Server {
    pub(super) fn data_breakpoint_info(
        &mut self,
        args: DataBreakpointInfoArguments,
    ) -> Result<DataBreakpointInfoBody> {
        let (frame_id, expression) = match args.variables_reference.filter(|r| *r > 0) {
            Some(reference) => self.child_expression(reference, &args.name)?,
            None => (args.frame_id, args.name.clone()),
        };
        if let Some(frame_id) = frame_id {
            self.focus_frame(frame_id)?;
        }
        let frame =
            frame_id.and_then(|id| super::index_of(id).and_then(|i| self.frames.get(i).copied()));
        let session = self.session()?;
        let value = match session.evaluate(&expression) {
            Ok(value) => value,
            Err(error) => {
                return Ok(DataBreakpointInfoBody {
                    data_id: None,
                    description: error.to_string(),
                    ..DataBreakpointInfoBody::default()
                })
            }
        };
        let (Some(address), Some(size)) = (value.address(), value.ty.size()) else {
            return Ok(DataBreakpointInfoBody {
                data_id: None,
                description: format!("{expression} is not in memory"),
                ..DataBreakpointInfoBody::default()
            });
        };
        self.breakpoints.data_targets.push(DataTarget {
            frame,
            expression: expression.clone(),
        });
        let number = self.breakpoints.data_targets.len();
        Ok(DataBreakpointInfoBody {
            data_id: Some(format!("{number}:{expression}")),
            description: format!("{expression} ({size} bytes at {address:#x})"),
            access_types: Some(vec![
                DataBreakpointAccessType::Write,
                DataBreakpointAccessType::ReadWrite,
            ]),
            can_persist: Some(false),
        })
    }

    pub(super) fn set_data_breakpoints(
        &mut self,
        args: SetDataBreakpointsArguments,
    ) -> Result<BreakpointsBody> {
        self.session()?;
        for (watch, _) in std::mem::take(&mut self.breakpoints.watches) {
            let _ = self.session()?.delete_watchpoint(watch);
        }
        let mut set = Vec::new();
        for bp in args.breakpoints {
            let dap_id = self.breakpoints.next_id();
            let result = self.set_watch(
                &bp.data_id,
                bp.access_type,
                bp.condition.is_some() || bp.hit_condition.is_some(),
            );
            set.push(match result {
                Ok((watch, description)) => {
                    self.breakpoints.watches.push((watch, dap_id));
                    Breakpoint {
                        id: Some(dap_id),
                        verified: true,
                        message: Some(description),
                        ..Breakpoint::default()
                    }
                }
                Err(error) => Breakpoint {
                    id: Some(dap_id),
                    verified: false,
                    message: Some(error.to_string()),
                    ..Breakpoint::default()
                },
            });
        }
        Ok(BreakpointsBody { breakpoints: set })
    }

    /// Watch what `data_id` names; the watchpoint's id and what it watches.
    fn set_watch(
        &mut self,
        data_id: &str,
        access: Option<DataBreakpointAccessType>,
        conditional: bool,
    ) -> Result<(u32, String)> {
        if conditional {
            return Err(Error::Unsupported(
                "data breakpoints with conditions are not supported",
            ));
        }
        let kind = match access.unwrap_or(DataBreakpointAccessType::Write) {
            DataBreakpointAccessType::Write => WatchKind::Write,
            DataBreakpointAccessType::ReadWrite => WatchKind::ReadWrite,
            DataBreakpointAccessType::Read => {
                return Err(Error::Unsupported(
                    "x86 debug registers cannot watch reads alone: use readWrite",
                ))
            }
        };
        let target = data_id
            .split_once(':')
            .and_then(|(number, _)| number.parse::<usize>().ok())
            .and_then(|number| number.checked_sub(1))
            .and_then(|index| self.breakpoints.data_targets.get(index).cloned())
            .ok_or_else(|| Error::UnknownDataId(data_id.to_string()))?;
        if let Some((tid, index)) = target.frame {
            // Where the frame is still there; a global is the same from anywhere.
            if self.focus_thread(tid).is_ok() {
                let _ = self.session()?.select_frame(index);
            }
        }
        let watchpoint = self.session()?.watch_expression(&target.expression, kind)?;
        Ok((
            watchpoint.id,
            format!(
                "{} ({} bytes at {:#x})",
                target.expression,
                watchpoint.size,
                watchpoint.address.get()
            ),
        ))
    }
}
