//! dbg-process against the C and assembly fixtures: launch, attach, exits and deaths,
//! registers, single steps, threads. Every test asserts typed stop reasons and values.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;

use dbg_process::{
    AttachRefusal, Ended, Error, Launch, Pid, Process, Reg, RegValue, Resume, Signal, State, Stop,
    StopReason, ThreadEvent, TrapKind, VirtAddr,
};
use dbg_sys::Errno;

fn launch(name: &str) -> Process {
    Launch::new(fixtures::path(name)).spawn().unwrap()
}

/// Launch `name` with its stdout going to a file in `dir`.
fn launch_capturing(name: &str, dir: &Path) -> Process {
    Launch::new(fixtures::path(name))
        .stdout(dir.join("out"))
        .spawn()
        .unwrap()
}

fn output(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("out")).unwrap()
}

fn continue_to_stop(process: &mut Process) -> Stop {
    process.resume(Resume::Continue, None).unwrap();
    match process.wait().unwrap() {
        StopReason::Stopped(stop) => stop,
        other => panic!("expected a stop, got {other:?}"),
    }
}

fn run_to_end(process: &mut Process) -> StopReason {
    process.resume(Resume::Continue, None).unwrap();
    process.wait().unwrap()
}

/// How many threads the events since the last call say were created, and how many exited.
fn thread_births_and_ends(process: &mut Process) -> (usize, usize) {
    let events: Vec<ThreadEvent> = process.take_events().collect();
    let count = |wanted: fn(&ThreadEvent) -> bool| events.iter().filter(|e| wanted(e)).count();
    (
        count(|e| matches!(e, ThreadEvent::Created(_))),
        count(|e| matches!(e, ThreadEvent::Exited(_))),
    )
}

fn reg(process: &mut Process, reg: Reg) -> u128 {
    process.read_register(reg).unwrap().as_u128()
}

fn write_int(process: &mut Process, reg: Reg, value: u128) {
    let value = RegValue::from_u128(value, reg.info().size).unwrap();
    process.write_register(reg, value).unwrap();
}

#[test]
fn launch_stops_at_the_first_instruction_then_runs_to_exit() {
    let _deadline = fixtures::deadline("launch hello", 30);
    let dir = tempfile::tempdir().unwrap();
    let mut process = launch_capturing("hello", dir.path());
    assert_eq!(process.state(), State::Stopped);
    let pc = process.pc().unwrap();
    // Stopped in the dynamic loader, which is mapped outside the PIE executable.
    let maps = std::fs::read_to_string(format!("/proc/{}/maps", process.pid())).unwrap();
    let loader = maps
        .lines()
        .find(|line| {
            let (range, _) = line.split_once(' ').unwrap();
            let (lo, hi) = range.split_once('-').unwrap();
            let (lo, hi) = (
                u64::from_str_radix(lo, 16).unwrap(),
                u64::from_str_radix(hi, 16).unwrap(),
            );
            (lo..hi).contains(&pc.get())
        })
        .unwrap();
    assert!(loader.contains("ld-linux"), "pc {pc:#x} in {loader}");
    assert_eq!(run_to_end(&mut process), StopReason::Exited { code: 0 });
    assert_eq!(output(dir.path()), "hello, world\n");
}

#[test]
fn launch_without_aslr_loads_pie_at_the_usual_base() {
    let mut process = launch("hello");
    let maps = std::fs::read_to_string(format!("/proc/{}/maps", process.pid())).unwrap();
    assert!(maps.starts_with("555555554000-"), "{maps}");
    process.kill().unwrap();
}

#[test]
fn launch_of_a_missing_program_fails_in_the_parent_with_the_errno() {
    let error = Launch::new("./no-such-program").spawn().unwrap_err();
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
    assert_eq!(
        error.to_string(),
        "cannot launch ./no-such-program: No such file or directory"
    );
    let error = Launch::new("no-such-program-in-path").spawn().unwrap_err();
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

#[test]
fn launch_of_a_file_that_is_not_executable_fails_with_eacces() {
    let source = fixtures::source_dir().join("hello.c");
    let error = Launch::new(source).spawn().unwrap_err();
    assert!(
        matches!(
            error,
            Error::Launch {
                errno: Errno::EACCES,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn exit_codes_and_arguments_reach_the_tracee() {
    let mut process = Launch::new(fixtures::path("exit_code"))
        .arg("42")
        .spawn()
        .unwrap();
    assert_eq!(run_to_end(&mut process), StopReason::Exited { code: 42 });
    assert_eq!(process.state(), State::Ended(Ended::Exited(42)));
}

#[test]
fn resume_after_exit_fails_cleanly() {
    let mut process = launch("exit_code");
    assert_eq!(run_to_end(&mut process), StopReason::Exited { code: 3 });
    let error = process.resume(Resume::Continue, None).unwrap_err();
    assert!(
        matches!(error, Error::NoProcess(Ended::Exited(3))),
        "{error:?}"
    );
    assert!(matches!(
        process.step_instruction(None),
        Err(Error::NoProcess(_))
    ));
    assert!(matches!(
        process.read_register(Reg::Rip),
        Err(Error::NoProcess(_))
    ));
    assert!(matches!(process.kill(), Err(Error::NoProcess(_))));
}

#[test]
fn a_fault_stops_with_its_address_and_then_kills() {
    let _deadline = fixtures::deadline("crash", 30);
    let dir = tempfile::tempdir().unwrap();
    let mut process = launch_capturing("crash", dir.path());
    let stop = continue_to_stop(&mut process);
    assert_eq!(stop.signal, Signal::SIGSEGV);
    assert_eq!(stop.fault_addr, Some(VirtAddr::new(0x10)));
    assert_eq!(stop.trap, None);
    process
        .resume(Resume::Continue, Some(Signal::SIGSEGV))
        .unwrap();
    assert_eq!(
        process.wait().unwrap(),
        StopReason::Killed {
            signal: Signal::SIGSEGV
        }
    );
    assert_eq!(output(dir.path()), "about to crash\n");
}

#[test]
fn a_tracee_killed_from_outside_while_stopped_is_reported_as_killed() {
    let mut process = launch("hello");
    dbg_sys::thread::kill(process.pid(), Signal::SIGKILL).unwrap();
    assert_eq!(
        process.check_alive(),
        Some(StopReason::Killed {
            signal: Signal::SIGKILL
        })
    );
    assert!(matches!(
        process.state(),
        State::Ended(Ended::Killed(Signal::SIGKILL))
    ));
}

#[test]
fn a_tracee_killed_from_outside_while_running_is_reported_as_killed() {
    let _deadline = fixtures::deadline("killed while running", 30);
    let mut process = launch("spin");
    process.resume(Resume::Continue, None).unwrap();
    dbg_sys::thread::kill(process.pid(), Signal::SIGKILL).unwrap();
    assert_eq!(
        process.wait().unwrap(),
        StopReason::Killed {
            signal: Signal::SIGKILL
        }
    );
}

#[test]
fn interrupt_stops_a_running_tracee_with_sigint() {
    let _deadline = fixtures::deadline("interrupt", 30);
    let mut process = launch("spin");
    process.resume(Resume::Continue, None).unwrap();
    process.interrupt().unwrap();
    let StopReason::Stopped(stop) = process.wait().unwrap() else {
        panic!()
    };
    assert_eq!(stop.signal, Signal::SIGINT);
    process.kill().unwrap();
}

fn proc_state(pid: Pid) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find(|l| l.starts_with("State:"))
        .unwrap()
        .to_string()
}

#[test]
fn attach_stops_the_process_and_detach_lets_it_finish() {
    let _deadline = fixtures::deadline("attach/detach", 30);
    let mut fixture = fixtures::Ready::start("wait_stdin", &[]);
    let pid = Pid::from_raw(fixture.pid());
    let mut process = Process::attach(pid).unwrap();
    assert_eq!(process.state(), State::Stopped);
    assert!(
        proc_state(pid).contains("tracing stop"),
        "{}",
        proc_state(pid)
    );
    assert_ne!(process.pc().unwrap().get(), 0);
    process.detach().unwrap();
    assert!(!proc_state(pid).contains("tracing stop"));
    fixture.send_line("after detach");
    assert_eq!(fixture.read_line(), "got after detach\n");
    assert!(fixture.succeeded());
}

#[test]
fn attach_takes_every_thread_and_detach_leaves_them_running() {
    let _deadline = fixtures::deadline("attach threads", 30);
    let mut fixture = fixtures::Ready::start("threads_wait", &[]);
    let pid = Pid::from_raw(fixture.pid());
    let mut process = Process::attach(pid).unwrap();
    assert_eq!(process.threads().count(), 4);
    for tid in process.threads().collect::<Vec<_>>() {
        let status = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/status")).unwrap();
        assert!(status.contains("tracing stop"), "thread {tid}: {status}");
    }
    process.detach().unwrap();
    fixture.send_line("go");
    assert_eq!(fixture.read_line(), "joined 3\n");
    assert!(fixture.succeeded());
}

#[test]
fn attach_to_an_invalid_pid_fails() {
    for raw in [0, -5, i32::MAX] {
        let error = Process::attach(Pid::from_raw(raw)).unwrap_err();
        assert!(
            matches!(
                error,
                Error::Attach {
                    reason: AttachRefusal::NoSuchProcess,
                    ..
                }
            ),
            "{raw}: {error:?}"
        );
    }
    let error = Process::attach(nix::unistd::getpid()).unwrap_err();
    assert!(matches!(
        error,
        Error::Attach {
            reason: AttachRefusal::Itself,
            ..
        }
    ));
}

#[test]
fn attach_to_a_traced_process_names_the_tracer() {
    let mut process = launch("hello");
    let error = Process::attach(process.pid()).unwrap_err();
    // The tracer is the thread that attached, so the kernel names its tid.
    let me = nix::unistd::gettid().as_raw();
    match error {
        Error::Attach {
            reason: AttachRefusal::AlreadyTraced { tracer, .. },
            ..
        } => {
            assert_eq!(tracer, me)
        }
        other => panic!("{other:?}"),
    }
    process.kill().unwrap();
}

#[test]
fn registers_read_values_the_tracee_set() {
    let _deadline = fixtures::deadline("reg_read", 30);
    let mut process = launch("reg_read");
    let stop = continue_to_stop(&mut process);
    assert_eq!(
        (stop.signal, stop.trap),
        (Signal::SIGTRAP, Some(TrapKind::Breakpoint))
    );
    assert_eq!(reg(&mut process, Reg::Rax), 0x0102030405060708);
    assert_eq!(reg(&mut process, Reg::Eax), 0x05060708);
    assert_eq!(reg(&mut process, Reg::Ax), 0x0708);
    assert_eq!(reg(&mut process, Reg::Al), 0x08);
    assert_eq!(reg(&mut process, Reg::Ah), 0x07);
    assert_eq!(reg(&mut process, Reg::Rsi), 0xcafef00ddeadbeef);
    assert_eq!(reg(&mut process, Reg::Sil), 0xef);
    assert_eq!(reg(&mut process, Reg::R13), 0x1122334455667788);
    assert_eq!(reg(&mut process, Reg::R13d), 0x55667788);
    assert_eq!(reg(&mut process, Reg::R13w), 0x7788);
    assert_eq!(reg(&mut process, Reg::R13b), 0x88);

    continue_to_stop(&mut process);
    let st0 = process.read_register(Reg::St0).unwrap();
    assert_eq!(st0.as_f64(), Some(42.5));
    assert_eq!(st0.size(), 10);

    continue_to_stop(&mut process);
    assert_eq!(reg(&mut process, Reg::Mm0), 0xba5eba11f00dface);

    continue_to_stop(&mut process);
    let xmm0 = process.read_register(Reg::Xmm0).unwrap();
    assert_eq!(&xmm0.bytes()[..8], &64.125f64.to_le_bytes());
    assert_eq!(&xmm0.bytes()[8..], &[0; 8]);
    assert_eq!(reg(&mut process, Reg::Mxcsr) & 0xffc0, 0x1f80);
    assert_eq!(run_to_end(&mut process), StopReason::Exited { code: 0 });
}

#[test]
fn register_writes_are_seen_by_the_tracee() {
    let _deadline = fixtures::deadline("reg_write", 30);
    let dir = tempfile::tempdir().unwrap();
    let mut process = launch_capturing("reg_write", dir.path());
    continue_to_stop(&mut process);
    write_int(&mut process, Reg::R13, 0xfeedfacecafebeef);
    write_int(&mut process, Reg::R12, 0x1111111111111111);
    write_int(&mut process, Reg::R12d, 0x22222222);
    write_int(&mut process, Reg::R12b, 0x33);
    write_int(&mut process, Reg::Rbx, 0);
    write_int(&mut process, Reg::Bh, 0x7f);
    process
        .write_register(Reg::St0, RegValue::long_double(42.24))
        .unwrap();
    let mut xmm = [0u8; 16];
    xmm[..8].copy_from_slice(&(-3.75f64).to_le_bytes());
    process
        .write_register(
            Reg::Xmm0,
            RegValue::from_bytes(&xmm, dbg_process::RegFormat::Vector).unwrap(),
        )
        .unwrap();
    // Written values read back before the tracee runs.
    assert_eq!(reg(&mut process, Reg::R12), 0x1111111122222233);
    continue_to_stop(&mut process);
    write_int(&mut process, Reg::Mm0, 0x0123456789abcdef);
    assert_eq!(run_to_end(&mut process), StopReason::Exited { code: 0 });
    assert_eq!(
        output(dir.path()),
        "r13=0xfeedfacecafebeef r12=0x1111111122222233 rbx=0x7f00\n\
         st0=42.240000000000002 xmm0=-3.75\n\
         mm0=0x123456789abcdef\n"
    );
}

#[test]
fn values_that_do_not_fit_are_refused_and_change_nothing() {
    let mut process = launch("hello");
    let before = reg(&mut process, Reg::Rax);
    let wide = RegValue::from_u128(0x1_0000_0000, 8).unwrap();
    let error = process.write_register(Reg::Eax, wide).unwrap_err();
    assert!(
        matches!(
            error,
            Error::ValueDoesNotFit {
                register: "eax",
                size: 4
            }
        ),
        "{error:?}"
    );
    assert_eq!(reg(&mut process, Reg::Rax), before);
    process.kill().unwrap();
}

#[test]
fn debug_registers_read_and_write() {
    let mut process = launch("hello");
    assert_eq!(reg(&mut process, Reg::Dr7), 0);
    write_int(&mut process, Reg::Dr0, 0x1000);
    assert_eq!(reg(&mut process, Reg::Dr0), 0x1000);
    write_int(&mut process, Reg::Dr0, 0);
    process.kill().unwrap();
}

#[test]
fn stepi_advances_exactly_one_instruction() {
    let _deadline = fixtures::deadline("steps", 30);
    let dir = tempfile::tempdir().unwrap();
    let mut process = launch_capturing("steps", dir.path());
    continue_to_stop(&mut process);
    let labels: Vec<VirtAddr> = output(dir.path())
        .split_whitespace()
        .map(|field| u64::from_str_radix(field.split_once("=0x").unwrap().1, 16).unwrap())
        .map(VirtAddr::new)
        .collect();
    assert_eq!(process.pc().unwrap(), labels[0]);
    for expected in &labels[1..] {
        let StopReason::Stopped(stop) = process.step_instruction(None).unwrap() else {
            panic!()
        };
        assert_eq!(stop.trap, Some(TrapKind::SingleStep));
        assert_eq!(process.pc().unwrap(), *expected);
    }
    assert_eq!(run_to_end(&mut process), StopReason::Exited { code: 0 });
}

#[test]
fn a_multithreaded_program_runs_to_completion_and_reports_its_threads() {
    let _deadline = fixtures::deadline("threads_run", 60);
    let mut process = launch("threads_run");
    assert_eq!(run_to_end(&mut process), StopReason::Exited { code: 0 });
    assert_eq!(thread_births_and_ends(&mut process), (4, 4));
}

#[test]
fn dropping_a_launched_process_kills_it() {
    let process = launch("busy");
    let pid = process.pid();
    drop(process);
    assert!(!Path::new(&format!("/proc/{pid}")).exists());
}

#[test]
fn launch_with_aslr_randomises_the_load_address() {
    let mut process = Launch::new(fixtures::path("hello"))
        .aslr(true)
        .spawn()
        .unwrap();
    let maps = std::fs::read_to_string(format!("/proc/{}/maps", process.pid())).unwrap();
    assert!(!maps.starts_with("555555554000-"), "{maps}");
    process.kill().unwrap();
}

#[test]
fn stepping_over_a_syscall_instruction_is_a_single_step() {
    let _deadline = fixtures::deadline("step_syscall", 30);
    let dir = tempfile::tempdir().unwrap();
    let mut process = launch_capturing("step_syscall", dir.path());
    continue_to_stop(&mut process);
    let labels: Vec<VirtAddr> = output(dir.path())
        .split_whitespace()
        .map(|field| u64::from_str_radix(field.split_once("=0x").unwrap().1, 16).unwrap())
        .map(VirtAddr::new)
        .collect();
    let StopReason::Stopped(stop) = process.step_instruction(None).unwrap() else {
        panic!()
    };
    assert_eq!(
        (stop.trap, process.pc().unwrap()),
        (Some(TrapKind::SingleStep), labels[0])
    );
    let StopReason::Stopped(stop) = process.step_instruction(None).unwrap() else {
        panic!()
    };
    assert_eq!(
        (stop.trap, process.pc().unwrap()),
        (Some(TrapKind::SingleStep), labels[1])
    );
    assert_eq!(
        reg(&mut process, Reg::Rax),
        u128::from(process.pid().as_raw() as u32)
    );
    assert_eq!(run_to_end(&mut process), StopReason::Exited { code: 0 });
}

#[test]
fn a_sigstop_from_outside_is_reported_once_and_the_process_is_not_left_stopped() {
    let _deadline = fixtures::deadline("group stop", 30);
    let mut process = launch("spin");
    process.resume(Resume::Continue, None).unwrap();
    dbg_sys::thread::kill(process.pid(), Signal::SIGSTOP).unwrap();
    let StopReason::Stopped(stop) = process.wait().unwrap() else {
        panic!()
    };
    assert_eq!(stop.signal, Signal::SIGSTOP);
    // Passing it on puts the process in a group-stop, which is resumed, not reported again:
    // the next stop is the interrupt below.
    process
        .resume(Resume::Continue, Some(Signal::SIGSTOP))
        .unwrap();
    process.interrupt().unwrap();
    let StopReason::Stopped(stop) = process.wait().unwrap() else {
        panic!()
    };
    assert_eq!(stop.signal, Signal::SIGINT);
    process.kill().unwrap();
}

#[test]
fn threads_created_and_exiting_while_others_run_never_hang_a_continue() {
    let _deadline = fixtures::deadline("thread churn", 120);
    // Some new threads stop (or even exit) before their creator's clone event is collected,
    // others after; each must be counted once, and none waited for when it is gone.
    for mode in ["other", "main"] {
        for run in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let mut process = Launch::new(fixtures::path("thread_churn"))
                .args([mode])
                .stdout(dir.path().join("out"))
                .spawn()
                .unwrap();
            assert_eq!(
                run_to_end(&mut process),
                StopReason::Exited { code: 0 },
                "{mode} run {run}"
            );
            // 100 short-lived threads and the spawner (or caller), each created and gone once.
            assert_eq!(
                thread_births_and_ends(&mut process),
                (101, 101),
                "{mode} run {run}"
            );
            assert_eq!(output(dir.path()), "calls 1000\n");
        }
    }
}

#[test]
fn a_stop_request_stops_a_running_process_once_and_one_made_while_stopped_waits_for_resume() {
    let _deadline = fixtures::deadline("stop request", 30);
    let mut process = launch("spin");
    let request = process.stop_request();
    // Made while stopped: the next resume runs nothing, and wait answers it at once.
    assert!(!request.request());
    let pc = process.pc().unwrap();
    let stop = continue_to_stop(&mut process);
    assert_eq!(
        (stop.signal, stop.origin),
        (
            Signal::SIGSTOP,
            dbg_process::SignalOrigin::Process(std::process::id() as i32)
        )
    );
    assert_eq!(process.pc().unwrap(), pc, "nothing ran");
    assert!(!request.is_requested(), "answered");
    // Made while running, from another thread: one stop, and no second one later.
    for _ in 0..20 {
        process.resume(Resume::Continue, None).unwrap();
        let from = request.clone();
        let sender = std::thread::spawn(move || {
            while !from.is_running() {
                std::thread::yield_now();
            }
            from.request();
        });
        let stop = match process.wait().unwrap() {
            StopReason::Stopped(stop) => stop,
            other => panic!("{other:?}"),
        };
        sender.join().unwrap();
        assert_eq!(stop.signal, Signal::SIGSTOP);
        assert!(!request.is_requested());
    }
    assert_eq!(
        process.kill().unwrap(),
        StopReason::Killed {
            signal: Signal::SIGKILL
        }
    );
}

fn thread_edges(mode: &str) -> Process {
    Launch::new(fixtures::path("thread_edges"))
        .args([mode])
        .spawn()
        .unwrap()
}

#[test]
fn an_exit_while_threads_are_being_created_is_reported_and_kill_never_hangs() {
    let _deadline = fixtures::deadline("exit while spawning", 120);
    // Threads killed by the exit before their creator's clone event is collected stop only
    // at their exit event: they must be let go, or the leader's end is never reported.
    for run in 0..10 {
        let mut process = thread_edges("exit-spawning");
        assert_eq!(
            run_to_end(&mut process),
            StopReason::Exited { code: 7 },
            "run {run}"
        );
    }
    // Killed while running, with threads whose clone events were never collected.
    for run in 0..10 {
        let mut process = thread_edges("exit-spawning");
        process.resume(Resume::Continue, None).unwrap();
        let stopped = match process.kill().unwrap() {
            StopReason::Killed { signal } => signal == Signal::SIGKILL,
            // The program may have reached its exit first.
            StopReason::Exited { code } => code == 7,
            other => panic!("run {run}: {other:?}"),
        };
        assert!(stopped, "run {run}");
    }
}

/// Spin until the main thread of `pid` is a zombie (it called pthread_exit).
fn await_zombie_leader(pid: Pid) {
    while !proc_state(pid).contains("zombie") {
        std::thread::yield_now();
    }
}

#[test]
fn a_stop_request_reaches_a_process_whose_main_thread_has_exited() {
    let _deadline = fixtures::deadline("zombie leader interrupt", 30);
    let mut process = thread_edges("zombie-spin");
    let pid = process.pid();
    process.resume(Resume::Continue, None).unwrap();
    // The wake-up was aimed at the main thread when the process resumed; it must follow to
    // a thread that still runs.
    let request = process.stop_request();
    let sender = std::thread::spawn(move || {
        await_zombie_leader(pid);
        request.request();
    });
    let stop = match process.wait().unwrap() {
        StopReason::Stopped(stop) => stop,
        other => panic!("{other:?}"),
    };
    sender.join().unwrap();
    assert_eq!(stop.signal, Signal::SIGSTOP);
    assert_ne!(stop.tid, pid, "reported on the live thread");
    assert_eq!(process.threads().collect::<Vec<_>>(), vec![stop.tid]);
    assert_eq!(
        process.kill().unwrap(),
        StopReason::Killed {
            signal: Signal::SIGKILL
        }
    );
}

#[test]
fn stepping_the_main_thread_through_its_exit_ends_the_step() {
    let _deadline = fixtures::deadline("leader step exit", 30);
    let mut process = thread_edges("leader-step-exit");
    let pid = process.pid();
    let stop = continue_to_stop(&mut process);
    assert_eq!((stop.tid, stop.signal), (pid, Signal::SIGTRAP));
    // mov, xor, then the exit system call: the leader becomes a zombie while the other
    // thread lives, and reports nothing more.
    for _ in 0..2 {
        assert!(matches!(
            process.step_instruction(None).unwrap(),
            StopReason::Stopped(Stop {
                trap: Some(TrapKind::SingleStep),
                ..
            })
        ));
    }
    assert_eq!(
        process.step_instruction(None).unwrap(),
        StopReason::ThreadExited { tid: pid }
    );
    assert_eq!(process.state(), State::Stopped);
    assert_ne!(process.current_thread(), pid);
    assert_eq!(
        process.kill().unwrap(),
        StopReason::Killed {
            signal: Signal::SIGKILL
        }
    );
}

#[test]
fn an_exec_from_a_thread_other_than_main_is_one_stop_then_the_new_program_runs() {
    let _deadline = fixtures::deadline("thread exec", 30);
    for run in 0..10 {
        let mut process = thread_edges("thread-exec");
        let pid = process.pid();
        let stop = continue_to_stop(&mut process);
        // The exec comes under the leader's id; every other thread is gone.
        assert_eq!(
            (stop.tid, stop.trap),
            (pid, Some(TrapKind::Exec)),
            "run {run}"
        );
        assert_eq!(process.threads().collect::<Vec<_>>(), vec![pid]);
        assert_eq!(run_to_end(&mut process), StopReason::Exited { code: 0 });
    }
}

#[test]
fn attaching_to_a_zombie_says_it_is_one() {
    let _deadline = fixtures::deadline("zombie", 30);
    let mut child = std::process::Command::new(fixtures::path("exit_code"))
        .arg("0")
        .spawn()
        .unwrap();
    let pid = Pid::from_raw(child.id() as i32);
    // Not reaped yet: a zombie once it has exited.
    let zombie = || {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|stat| {
                stat.rsplit_once(") ")
                    .map(|(_, rest)| rest.starts_with('Z'))
            })
            .unwrap_or(false)
    };
    while !zombie() {
        std::thread::yield_now();
    }
    let error = Process::attach(pid).unwrap_err();
    assert!(
        matches!(
            error,
            Error::Attach {
                reason: AttachRefusal::Zombie,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("it is a zombie"), "{error}");
    child.wait().unwrap();
}

/// Two bytes `0f 05` in the vDSO of `pid` (every process has one).
fn vdso_syscall(pid: Pid) -> VirtAddr {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    let line = maps.lines().find(|l| l.ends_with("[vdso]")).unwrap();
    let (start, end) = line
        .split_whitespace()
        .next()
        .unwrap()
        .split_once('-')
        .unwrap();
    let start = u64::from_str_radix(start, 16).unwrap();
    let end = u64::from_str_radix(end, 16).unwrap();
    let mut bytes = vec![0u8; (end - start) as usize];
    let mem = std::fs::File::open(format!("/proc/{pid}/mem")).unwrap();
    std::os::unix::fs::FileExt::read_exact_at(&mem, &mut bytes, start).unwrap();
    let offset = bytes.windows(2).position(|w| w == [0x0f, 0x05]).unwrap();
    VirtAddr::new(start + offset as u64)
}

#[test]
fn an_injected_syscall_returns_its_result_and_leaves_every_register_as_it_was() {
    let _deadline = fixtures::deadline("inject", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut process = launch_capturing("hello", dir.path());
    let all: Vec<Reg> = Reg::general().collect();
    let before: Vec<u128> = all.iter().map(|r| reg(&mut process, *r)).collect();
    let at = vdso_syscall(process.pid());
    // getpid
    let got = process.inject_syscall(at, 39, [0; 6]).unwrap();
    assert_eq!(
        got,
        dbg_process::Injected::Returned(process.pid().as_raw() as u64)
    );
    let after: Vec<u128> = all.iter().map(|r| reg(&mut process, *r)).collect();
    assert_eq!(before, after);
    assert!(matches!(
        run_to_end(&mut process),
        StopReason::Exited { code: 0 }
    ));
    assert_eq!(output(dir.path()), "hello, world\n");
}

#[test]
fn a_stop_waited_for_alone_leaves_the_other_threads_running_until_stop_all() {
    let _deadline = fixtures::deadline("wait alone", 60);
    let mut process = launch("threads_bp");
    let pid = process.pid();
    let target = VirtAddr::new(fixtures::runtime_address(
        pid.as_raw(),
        "threads_bp",
        "target_fn",
    ));
    let mem = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(format!("/proc/{pid}/mem"))
        .unwrap();
    let mut original = [0u8];
    std::os::unix::fs::FileExt::read_exact_at(&mem, &mut original, target.get()).unwrap();
    std::os::unix::fs::FileExt::write_all_at(&mem, &[0xcc], target.get()).unwrap();
    process.trap_sites().insert(target, original[0]);
    process.resume(Resume::Continue, None).unwrap();
    let StopReason::Stopped(stop) = process.wait_alone().unwrap() else {
        panic!("expected a stop");
    };
    assert_eq!(stop.breakpoint, Some(target));
    assert_eq!(process.deciding(), Some(stop.tid));
    assert_eq!(process.state(), State::Running);
    // The thread that stopped can be looked at; the main thread (in pthread_join, never at
    // the breakpoint) is still running.
    assert_ne!(stop.tid, pid);
    let rip = process.read_thread_register(stop.tid, Reg::Rip).unwrap();
    assert_eq!(rip.as_u64(), target.get());
    assert!(matches!(
        process.read_thread_register(pid, Reg::Rip),
        Err(Error::Running)
    ));
    assert_eq!(process.stop_all().unwrap(), None);
    assert_eq!(process.state(), State::Stopped);
    assert_eq!(process.current_thread(), stop.tid);
    assert!(process.read_thread_register(pid, Reg::Rip).is_ok());
    assert_eq!(process.deciding(), None);
}
