//! The non-stop `Tracer` against the `fork_tree` fixture: every thread and process is followed,
//! every system call is seen with its arguments and result, signals reach their handlers,
//! exits are reported per process, and the tracer ends (or is dropped) without leaving
//! anything behind. The last test runs the `trace` example built on it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dbg_process::{Error, Launch, Pid, Resume, Signal, SyscallRegs, TraceEvent, Tracer};
use dbg_sys::Errno;

const SYS_WRITE: u64 = libc::SYS_write as u64;
const SYS_EXECVE: u64 = libc::SYS_execve as u64;
const SYS_RT_SIGRETURN: u64 = libc::SYS_rt_sigreturn as u64;

/// Everything a traced run showed, in order.
#[derive(Debug, Default)]
struct Run {
    events: Vec<TraceEvent>,
    /// Each system call at its exit: its process, its thread and its registers.
    calls: Vec<(Pid, Pid, SyscallRegs)>,
}

impl Run {
    fn forks(&self) -> Vec<(Pid, Pid, bool)> {
        self.events
            .iter()
            .filter_map(|event| match *event {
                TraceEvent::Forked {
                    parent,
                    child,
                    vfork,
                    ..
                } => Some((parent, child, vfork)),
                _ => None,
            })
            .collect()
    }

    /// Exit code of every process that exited; no process may have been killed.
    fn exits(&self) -> BTreeMap<Pid, i32> {
        let mut exits = BTreeMap::new();
        for event in &self.events {
            match *event {
                TraceEvent::Exited { pid, code } => {
                    assert!(exits.insert(pid, code).is_none(), "{pid} exited twice");
                }
                TraceEvent::Killed { pid, signal } => panic!("{pid} killed by {signal}"),
                _ => {}
            }
        }
        exits
    }

    /// The `write` calls of process `pid`: (fd, length, result).
    fn writes(&self, pid: Pid) -> Vec<(u64, u64, i64)> {
        self.calls
            .iter()
            .filter(|(process, _, call)| *process == pid && call.number == SYS_WRITE)
            .map(|(_, _, call)| (call.args[0], call.args[2], call.ret))
            .collect()
    }

    fn position(&self, wanted: impl Fn(&TraceEvent) -> bool) -> Vec<usize> {
        self.events
            .iter()
            .enumerate()
            .filter(|(_, event)| wanted(event))
            .map(|(index, _)| index)
            .collect()
    }
}

/// Launch fixture `fork_tree` with `args` under a tracer in `mode`, its stdout in `dir/out`.
fn launch(args: &[&str], mode: Resume, dir: &Path) -> Tracer {
    let launch = Launch::new(fixtures::path("fork_tree"))
        .args(args)
        .stdout(dir.join("out"));
    Tracer::launch(&launch, mode).unwrap()
}

/// Trace to the end, passing every signal on, and check on the way that entries and exits of
/// each thread alternate: at an entry the result register holds -ENOSYS, and the exit shows
/// the number the entry showed.
fn trace_to_end(tracer: &mut Tracer) -> Run {
    let mut run = Run::default();
    let mut entered: BTreeMap<Pid, u64> = BTreeMap::new();
    while let Some(event) = tracer.next_event().unwrap() {
        let mut deliver = None;
        match event {
            TraceEvent::SyscallEntry { tid } => {
                let call = tracer.syscall_regs(tid).unwrap();
                assert_eq!(call.ret, -(libc::ENOSYS as i64), "[{tid}] entry: {call:?}");
                assert!(
                    entered.insert(tid, call.number).is_none(),
                    "[{tid}] entered twice"
                );
            }
            TraceEvent::SyscallExit { tid } => {
                let call = tracer.syscall_regs(tid).unwrap();
                let number = entered.remove(&tid).expect("an exit without an entry");
                if number == SYS_RT_SIGRETURN {
                    assert_eq!(call.number, u64::MAX, "[{tid}] {call:?}");
                } else {
                    assert_eq!(call.number, number, "[{tid}] {call:?}");
                }
                let pid = tracer.process_of(tid).unwrap();
                run.calls.push((pid, tid, call));
            }
            TraceEvent::Signal { signal, .. } => deliver = Some(signal),
            TraceEvent::Exec { pid, former_tid } => {
                // The thread that called execve goes on as the main thread, inside the call.
                if let Some(number) = entered.remove(&former_tid) {
                    entered.insert(pid, number);
                }
            }
            TraceEvent::ThreadExited { tid, .. } => {
                entered.remove(&tid);
            }
            TraceEvent::Exited { pid, .. } | TraceEvent::Killed { pid, .. } => {
                entered.remove(&pid);
            }
            TraceEvent::ThreadCreated { .. } | TraceEvent::Forked { .. } => {}
        }
        run.events.push(event);
        if let Some(tid) = event.stopped_thread() {
            tracer.resume(tid, deliver).unwrap();
        }
    }
    assert_eq!(tracer.next_event().unwrap(), None, "an end after the end");
    assert_eq!(tracer.threads().count(), 0);
    run
}

fn output(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("out")).unwrap()
}

const TREE_OUTPUT: &str =
    "thread\nfirst child\ngrandchild\nsecond child\nhandled 1\nchildren 11 12 0\n";

#[test]
fn every_thread_and_process_of_a_fork_tree_is_traced() {
    let _deadline = fixtures::deadline("trace fork_tree", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut tracer = launch(&[], Resume::Syscalls, dir.path());
    let root = tracer.root();
    let run = trace_to_end(&mut tracer);
    assert_eq!(output(dir.path()), TREE_OUTPUT);

    // Processes: the root forked two children and a vfork child; the first child forked the
    // grandchild. Each one's exit code is reported.
    let exits = run.exits();
    assert_eq!(exits.len(), 5, "{exits:?}");
    assert_eq!(exits[&root], 3);
    let forks = run.forks();
    let code = |pid: Pid| exits[&pid];
    let mut of_root: Vec<(bool, i32)> = forks
        .iter()
        .filter(|(parent, _, _)| *parent == root)
        .map(|(_, child, vfork)| (*vfork, code(*child)))
        .collect();
    of_root.sort();
    assert_eq!(of_root, [(false, 11), (false, 12), (true, 0)]);
    let child_of = |code_wanted: i32| {
        forks
            .iter()
            .find(|(_, child, _)| code(*child) == code_wanted)
            .map(|(parent, child, _)| (*parent, *child))
            .unwrap()
    };
    let (_, first) = child_of(11);
    let (grandparent, grandchild) = child_of(13);
    assert_eq!(
        grandparent, first,
        "the grandchild's parent is the first child"
    );
    let (_, second) = child_of(12);
    let (_, vforked) = child_of(0);

    // Every process's own write, with its descriptor, length and result.
    assert_eq!(run.writes(first), [(1, 12, 12)]);
    assert_eq!(run.writes(grandchild), [(1, 11, 11)]);
    assert_eq!(run.writes(second), [(1, 13, 13)]);
    assert_eq!(run.writes(vforked), []);
    // The root's: its thread's line, then the two printf lines at exit.
    assert_eq!(run.writes(root), [(1, 7, 7), (1, 27, 27)]);

    // The thread: created, its write made on it, ended.
    let created: Vec<Pid> = run
        .events
        .iter()
        .filter_map(|event| match *event {
            TraceEvent::ThreadCreated { pid, tid } if pid == root => Some(tid),
            _ => None,
        })
        .collect();
    assert_eq!(created.len(), 1, "{:?}", run.events);
    let thread = created[0];
    assert!(run
        .calls
        .iter()
        .any(|(_, tid, call)| *tid == thread && call.number == SYS_WRITE && call.ret == 7));
    assert_eq!(
        run.position(|e| *e
            == TraceEvent::ThreadExited {
                pid: root,
                tid: thread
            })
        .len(),
        1
    );

    // The vfork child executed /bin/true.
    assert_eq!(
        run.position(|e| *e
            == TraceEvent::Exec {
                pid: vforked,
                former_tid: vforked
            })
        .len(),
        1
    );
    // SIGUSR1 stopped the root once and, passed on, reached its handler ("handled 1").
    assert_eq!(
        run.position(|e| *e
            == TraceEvent::Signal {
                tid: root,
                signal: Signal::SIGUSR1
            })
        .len(),
        1
    );

    // Order: a child is announced before anything it does, and its end is its last event.
    for (_, child, _) in &forks {
        let born =
            run.position(|e| matches!(*e, TraceEvent::Forked { child: c, .. } if c == *child));
        let acts = run.position(|e| e.stopped_thread() == Some(*child));
        let ended = run.position(|e| {
            *e == TraceEvent::Exited {
                pid: *child,
                code: code(*child),
            }
        });
        assert!(!acts.is_empty());
        assert!(born[0] < acts[0], "{child} acted before it was announced");
        assert!(
            acts[acts.len() - 1] < ended[0],
            "{child} acted after its end"
        );
    }
    // The root's end is the last event.
    assert_eq!(
        run.events.last(),
        Some(&TraceEvent::Exited { pid: root, code: 3 })
    );
}

#[test]
fn continuing_reports_signals_forks_execs_and_exits_but_no_system_calls() {
    let _deadline = fixtures::deadline("trace fork_tree without system calls", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut tracer = launch(&[], Resume::Continue, dir.path());
    assert_eq!(tracer.mode(), Resume::Continue);
    let root = tracer.root();
    let run = trace_to_end(&mut tracer);
    assert_eq!(output(dir.path()), TREE_OUTPUT);
    assert!(run.calls.is_empty());
    assert!(!run
        .events
        .iter()
        .any(|e| matches!(e, TraceEvent::SyscallEntry { .. })));
    let mut codes: Vec<i32> = run.exits().into_values().collect();
    codes.sort();
    assert_eq!(codes, [0, 3, 11, 12, 13]);
    assert_eq!(run.forks().len(), 4);
    let kinds = |wanted: fn(&TraceEvent) -> bool| run.position(wanted).len();
    assert_eq!(kinds(|e| matches!(e, TraceEvent::ThreadCreated { .. })), 1);
    assert_eq!(kinds(|e| matches!(e, TraceEvent::ThreadExited { .. })), 1);
    assert_eq!(kinds(|e| matches!(e, TraceEvent::Exec { .. })), 1);
    assert_eq!(
        run.position(|e| *e
            == TraceEvent::Signal {
                tid: root,
                signal: Signal::SIGUSR1
            })
        .len(),
        1
    );
}

#[test]
fn an_exec_by_a_second_thread_continues_as_the_main_thread() {
    let _deadline = fixtures::deadline("trace fork_tree thread-exec", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut tracer = launch(&["thread-exec"], Resume::Syscalls, dir.path());
    let root = tracer.root();
    let mut thread = None;
    let mut after_exec = None;
    let mut events = Vec::new();
    while let Some(event) = tracer.next_event().unwrap() {
        match event {
            TraceEvent::ThreadCreated { pid, tid } => {
                assert_eq!(pid, root);
                thread = Some(tid);
            }
            TraceEvent::Exec { pid, former_tid } => {
                assert_eq!(pid, root);
                assert_eq!(Some(former_tid), thread, "the second thread called execve");
                // Only the thread that called execve is left, under the process id.
                assert_eq!(tracer.threads().collect::<Vec<_>>(), [root]);
            }
            TraceEvent::SyscallExit { tid }
                if after_exec.is_none()
                    && events.iter().any(|e| matches!(e, TraceEvent::Exec { .. })) =>
            {
                after_exec = Some((tid, tracer.syscall_regs(tid).unwrap()));
            }
            _ => {}
        }
        events.push(event);
        let deliver = match event {
            TraceEvent::Signal { signal, .. } => Some(signal),
            _ => None,
        };
        if let Some(tid) = event.stopped_thread() {
            tracer.resume(tid, deliver).unwrap();
        }
    }
    // The first exit after the exec is execve's own, on the main thread, and it succeeded.
    let (tid, call) = after_exec.unwrap();
    assert_eq!(tid, root);
    assert_eq!((call.number, call.ret), (SYS_EXECVE, 0));
    // The thread that became the main one did not exit, and /bin/true did.
    let thread = thread.unwrap();
    assert!(!events.contains(&TraceEvent::ThreadExited {
        pid: root,
        tid: thread
    }));
    assert_eq!(
        events.last(),
        Some(&TraceEvent::Exited { pid: root, code: 0 })
    );
}

/// Whether process `pid` exists at all (a zombie would count).
fn exists(pid: Pid) -> bool {
    nix::sys::signal::kill(pid, None) != Err(Errno::ESRCH)
}

/// Whether process `pid` exists and is not a zombie.
fn running(pid: Pid) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        let state = stat.rsplit_once(')').map(|(_, rest)| rest.trim_start());
        !state.is_some_and(|state| state.starts_with(['Z', 'X']))
    })
}

#[test]
fn dropping_the_tracer_kills_and_collects_every_traced_process() {
    let _deadline = fixtures::deadline("drop the tracer of fork_tree stay", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut tracer = launch(&["stay"], Resume::Syscalls, dir.path());
    let root = tracer.root();
    let mut child = None;
    let mut thread = None;
    // Run until the child and the thread have each made a system call of their own.
    let mut busy: Vec<Pid> = Vec::new();
    while !(child.is_some_and(|c| busy.contains(&c)) && thread.is_some_and(|t| busy.contains(&t))) {
        let event = tracer
            .next_event()
            .unwrap()
            .expect("the tracees wait forever");
        match event {
            TraceEvent::Forked { child: c, .. } => child = Some(c),
            TraceEvent::ThreadCreated { tid, .. } => thread = Some(tid),
            TraceEvent::SyscallEntry { tid } => busy.push(tid),
            _ => {}
        }
        if let Some(tid) = event.stopped_thread() {
            tracer.resume(tid, None).unwrap();
        }
    }
    let child = child.unwrap();
    let mut processes: Vec<Pid> = tracer.processes().collect();
    processes.sort();
    let mut expected = vec![root, child];
    expected.sort();
    assert_eq!(processes, expected);
    assert_eq!(tracer.process_of(thread.unwrap()), Some(root));
    assert!(running(root) && running(child));
    drop(tracer);
    // The launched process is killed and collected: not even a zombie is left. The child is
    // killed; its status went to the tracer, but only its new parent (init, the root being
    // dead) can remove its zombie, which it does in its own time.
    assert!(!exists(root), "{root} outlived the tracer");
    assert!(!running(child), "{child} outlived the tracer");
}

#[test]
fn resume_and_registers_need_a_thread_stopped_at_a_reported_event() {
    let _deadline = fixtures::deadline("tracer misuse", 30);
    let dir = tempfile::tempdir().unwrap();
    let mut tracer = launch(&[], Resume::Syscalls, dir.path());
    let root = tracer.root();
    let event = tracer.next_event().unwrap().unwrap();
    assert_eq!(event, TraceEvent::SyscallEntry { tid: root });
    // Its only thread is stopped: there is nothing to wait for.
    assert!(matches!(tracer.next_event(), Err(Error::AllThreadsStopped)));
    tracer.resume(root, None).unwrap();
    assert!(matches!(
        tracer.resume(root, None),
        Err(Error::ThreadRunning(tid)) if tid == root.as_raw()
    ));
    assert!(matches!(
        tracer.syscall_regs(root),
        Err(Error::ThreadRunning(_))
    ));
    assert!(matches!(
        tracer.resume(Pid::from_raw(1), None),
        Err(Error::UnknownThread(1))
    ));
}

#[test]
fn launching_a_missing_program_fails_with_its_errno() {
    let error = Tracer::launch(&Launch::new("./no-such-program"), Resume::Syscalls).unwrap_err();
    assert!(
        matches!(
            error,
            Error::Launch {
                errno: Errno::ENOENT,
                ..
            }
        ),
        "{error:?}"
    );
}

/// The `trace` example, which `cargo test` (and `cargo xtask test`, with `cargo build
/// --examples`) builds next to the test binaries.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/tracer-HASH → target/<profile>/examples/NAME
    let profile = exe.parent().and_then(Path::parent).unwrap();
    let path = profile.join("examples").join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --examples` (or `cargo xtask test`, which does)",
        path.display()
    );
    path
}

#[test]
fn the_trace_example_follows_the_children_of_fork_tree() {
    let _deadline = fixtures::deadline("trace example on fork_tree", 60);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("trace.txt");
    let output = std::process::Command::new(example("trace"))
        .arg("-o")
        .arg(&file)
        .arg(fixtures::path("fork_tree"))
        .output()
        .unwrap();
    let trace = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        output.status.code(),
        Some(3),
        "the program's status; stderr: {}\ntrace:\n{trace}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout), TREE_OUTPUT);
    let pid_of = |suffix: &str| -> String {
        let line = trace
            .lines()
            .find(|line| line.ends_with(suffix))
            .unwrap_or_else(|| panic!("no line ending with {suffix:?} in:\n{trace}"));
        line.split(']')
            .next()
            .unwrap()
            .trim_start_matches('[')
            .to_string()
    };
    // Each child's write, by the child, and each child's end.
    for (code, length) in [(11, 12), (12, 13), (13, 11)] {
        let pid = pid_of(&format!("+++ exited with {code} +++"));
        let write = format!("[{pid}] write(0x1, ");
        let result = format!(", {length:#x}, ");
        assert!(
            trace.lines().any(|line| line.starts_with(&write)
                && line.contains(&result)
                && line.ends_with(&format!(") = {length}"))),
            "no write of {length} bytes by {pid} in:\n{trace}"
        );
    }
    let vforked = pid_of("+++ exited with 0 +++");
    assert!(trace.contains(&format!("+++ vforked {vforked} +++")));
    assert!(trace.contains(&format!("[{vforked}] +++ exec +++")));
    assert!(trace.contains("+++ thread created +++"));
    assert!(trace.contains("+++ thread exited +++"));
    assert!(trace.contains("--- SIGUSR1 ---"));
    assert!(trace.contains("] rt_sigreturn("));
    assert_eq!(trace.lines().last(), Some("+++ exited with 3 +++"));
}
