//! Threads, call stacks and scopes: `threads`, `stackTrace` (paged) and `scopes`.

use dbg_session::Pid;

use super::variables::Handle;
use super::{hex, Server};
use crate::error::Result;
use crate::protocol::requests::{
    ScopesArguments, ScopesBody, StackTraceArguments, StackTraceBody, ThreadsBody,
};
use crate::protocol::types::{Scope, Source, StackFrame, Thread};

/// Thread `tid` of process `pid`, named by its `comm` as the kernel has it.
pub(crate) fn thread_info(pid: i32, tid: i32) -> Thread {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/comm"))
        .map(|name| name.trim().to_string())
        .unwrap_or_default();
    Thread {
        id: tid.into(),
        name: if comm.is_empty() {
            format!("thread {tid}")
        } else {
            format!("{comm} ({tid})")
        },
    }
}

impl Server {
    pub(super) fn threads(&mut self, (): ()) -> Result<ThreadsBody> {
        let session = self.session()?;
        if !session.is_alive() {
            return Ok(ThreadsBody::default());
        }
        let pid = session.pid().as_raw();
        let threads = session
            .threads()?
            .into_iter()
            .map(|thread| thread_info(pid, thread.tid.as_raw()))
            .collect();
        Ok(ThreadsBody { threads })
    }

    pub(super) fn stack_trace(&mut self, args: StackTraceArguments) -> Result<StackTraceBody> {
        let tid = i32::try_from(args.thread_id)
            .map(Pid::from_raw)
            .map_err(|_| crate::error::Error::Unsupported("no such thread"))?;
        self.focus_thread(tid)?;
        let frames = self.session()?.backtrace()?;
        let total = frames.len();
        let start = usize::try_from(args.start_frame.unwrap_or(0)).unwrap_or(0);
        let levels = usize::try_from(args.levels.unwrap_or(0))
            .ok()
            .filter(|levels| *levels > 0)
            .unwrap_or(total);
        let mut stack_frames = Vec::new();
        for frame in frames.into_iter().skip(start).take(levels) {
            let id = self.frame_id(tid, frame.index);
            let place = frame.place.as_ref();
            let line = place.and_then(|place| place.source.as_ref());
            let name = place
                .and_then(|place| place.function.clone())
                .unwrap_or_else(|| hex(frame.pc.get()));
            stack_frames.push(StackFrame {
                id,
                name,
                source: line.map(|line| Source {
                    name: Some(
                        line.file
                            .rsplit('/')
                            .next()
                            .unwrap_or(&line.file)
                            .to_string(),
                    ),
                    path: Some(line.path.clone()),
                    source_reference: None,
                }),
                line: line.map_or(0, |line| self.client_line(line.line)),
                column: if line.is_some() {
                    self.first_column()
                } else {
                    0
                },
                instruction_pointer_reference: Some(hex(frame.pc.get())),
                module_id: place.and_then(|place| place.module.clone()),
                presentation_hint: line.is_none().then(|| "subtle".to_string()),
            });
        }
        Ok(StackTraceBody {
            stack_frames,
            total_frames: Some(total as i64),
        })
    }

    pub(super) fn scopes(&mut self, args: ScopesArguments) -> Result<ScopesBody> {
        self.focus_frame(args.frame_id)?;
        let frame = args.frame_id;
        let scope = |server: &mut Server, name: &str, hint: &str, handle: Handle| Scope {
            name: name.into(),
            presentation_hint: Some(hint.into()),
            variables_reference: server.reference(handle),
            expensive: false,
        };
        let scopes = vec![
            scope(self, "Locals", "locals", Handle::Locals { frame }),
            scope(self, "Arguments", "arguments", Handle::Arguments { frame }),
            scope(self, "Registers", "registers", Handle::Registers { frame }),
        ];
        Ok(ScopesBody { scopes })
    }
}
