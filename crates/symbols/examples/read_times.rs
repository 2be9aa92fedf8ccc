//! How long each part of a binary takes to read: `read_times BINARY [FUNCTION]` opens the
//! binary, asks what a breakpoint on FUNCTION (default `main`) asks, then the questions that
//! read the rest (line tables, type names), and prints each part's time as the progress
//! hook reports it. Shows which part a "Reading symbols" notice waits for.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Instant;

use dbg_symbols::{Module, Reading};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: read_times BINARY [FUNCTION]");
    let function = args.next().unwrap_or_else(|| "main".to_string());
    let bytes = std::fs::read(&path).expect("readable binary");
    let started: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let hook = {
        let started = started.clone();
        move |reading: Reading| {
            let mut started = started.lock().unwrap();
            match reading {
                Reading::Started(_) => started.push(Instant::now()),
                Reading::Finished(part) => {
                    let at = started.pop().unwrap();
                    let depth = "  ".repeat(started.len());
                    println!("{depth}{part:?}: {:.3} s", at.elapsed().as_secs_f64());
                }
                Reading::Progress { .. } => {}
            }
        }
    };
    let open = Instant::now();
    let module = Module::parse(Box::new(bytes))
        .expect("ELF")
        .with_progress(Box::new(hook));
    println!("open: {:.6} s", open.elapsed().as_secs_f64());
    let question = |what: &str, ask: &dyn Fn()| {
        let at = Instant::now();
        ask();
        println!("= {what}: {:.3} s", at.elapsed().as_secs_f64());
    };
    question(&format!("break {function}"), &|| {
        let _ = module.breakpoint_addresses(&function);
    });
    question(&format!("break {function} again"), &|| {
        let _ = module.breakpoint_addresses(&function);
    });
    question("break main.rs:1", &|| {
        let _ = module.line_addresses("main.rs", 1);
    });
    question("frames at the entry", &|| {
        let _ = module.frames_at(module.entry());
    });
    question("ptype of a type", &|| {
        let _ = module.type_named("no_such_type");
    });
}
