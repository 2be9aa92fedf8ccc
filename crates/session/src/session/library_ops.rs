//! Shared-library tracking in the session: finding the dynamic linker's rendezvous and
//! putting the internal breakpoint on its hook, turning each consistent change of its list
//! into library events, resolving pending breakpoints (and function breakpoints that gain
//! locations) in what was loaded, and dropping locations in what was unloaded.

use std::path::PathBuf;

use dbg_memory::SiteOwner;
use dbg_symbols::{FileAddr, LineLookup, Module};
use dbg_sys::VirtAddr;

use super::{Location, Session};
use crate::event::Event;
use crate::images::Image;
use crate::libraries::{self, Library, LibraryInfo, LinkMapEntry, Linker};
use crate::watchpoints::SlotOwner;

/// The owner of the internal breakpoint on the dynamic linker's hook.
const LINKER_HOOK: SiteOwner = SiteOwner::Internal("dynamic linker");

impl Session {
    /// Find the dynamic linker's rendezvous (`_r_debug` in the linker's symbols) and put the
    /// internal breakpoint on its hook (`r_brk` once the linker set it, else
    /// `_dl_debug_state`). The libraries already in its list (after attach) are reported as
    /// loaded. A program without a dynamic linker (static) is left to the mappings.
    pub(super) fn start_library_tracking(&mut self) -> Vec<Event> {
        self.linker = Linker::default();
        let pid = self.pid();
        let mut found = None;
        // The executable is not opened for this: the linker is another binary, and the
        // program's own symbols are read when first wanted.
        // glibc's linker exports both names: its dynamic symbols answer without reading its
        // symbol table or its debug file; a linker that does not is searched in full.
        let binaries = self.images.other_binaries(pid);
        let exported = |module: &Module, name: &str| module.exported_symbol(name);
        let any = |module: &Module, name: &str| {
            module
                .symbols_named(name)
                .first()
                .map(|symbol| symbol.address)
        };
        for lookup in [
            &exported as &dyn Fn(&Module, &str) -> Option<FileAddr>,
            &any,
        ] {
            found = binaries.iter().find_map(|(bias, module)| {
                let rendezvous = lookup(module, "_r_debug")?;
                let hook = lookup(module, "_dl_debug_state").map(|a| bias.to_virt(a));
                Some((bias.to_virt(rendezvous), hook))
            });
            if found.is_some() {
                break;
            }
        }
        // A linker that does not export `_r_debug`: the executable's `DT_DEBUG`, which the
        // linker has filled once it ran (after attach; not yet at a launch's first stop).
        let found = found.or_else(|| Some((self.dt_debug()?, None)));
        let Some((rendezvous, debug_state)) = found else {
            return Vec::new();
        };
        let state = libraries::read_rendezvous(&mut self.tracee_reader(), rendezvous);
        let brk = state
            .as_ref()
            .map(|s| s.brk)
            .filter(|brk| brk.get() != 0)
            .or(debug_state);
        let Some(brk) = brk else {
            return Vec::new();
        };
        if self.insert_site(brk, LINKER_HOOK).is_err() {
            return Vec::new();
        }
        self.linker.rendezvous = Some(rendezvous);
        self.linker.hook = Some(brk);
        // Attached to a running program: its libraries are there already.
        match state {
            Some(state) if state.consistent && state.map.get() != 0 => self.libraries_changed(),
            _ => Vec::new(),
        }
    }

    /// `r_debug`'s address from the executable's `DT_DEBUG` entry, read from the process.
    fn dt_debug(&mut self) -> Option<VirtAddr> {
        let pid = self.pid();
        let (image, module) = self.images.shared_modules(pid).into_iter().next()?;
        let (address, size) = module.dynamic_section()?;
        let size = usize::try_from(size.min(libraries::MAX_DYNAMIC)).ok()?;
        let bytes = self
            .memory
            .read(image.bias.to_virt(address), size)
            .ok()?
            .bytes;
        libraries::debug_entry(&bytes)
    }

    /// The linker's hook was hit: if its list is consistent, what changed since last time.
    pub(super) fn linker_hook_hit(&mut self) -> Vec<Event> {
        self.linker.hits += 1;
        self.libraries_changed()
    }

    /// How many times the dynamic linker's hook has stopped this process: the whole cost of
    /// library tracking (it is hit around start-up and each `dlopen`/`dlclose`, never
    /// otherwise).
    pub fn linker_hook_hits(&self) -> u64 {
        self.linker.hits
    }

    /// Read the linker's list; report and act on what changed.
    fn libraries_changed(&mut self) -> Vec<Event> {
        let Some(rendezvous) = self.linker.rendezvous else {
            return Vec::new();
        };
        let pid = self.pid();
        // Read once per look at the list, and only if a name is relative.
        let cwd_read = std::cell::OnceCell::new();
        let cwd = || {
            cwd_read
                .get_or_init(|| std::fs::read_link(format!("/proc/{pid}/cwd")).ok())
                .clone()
        };
        let known = self.linker.known_paths();
        let now = {
            let mut read = self.tracee_reader();
            // Every link-map namespace (the program's, then those `dlmopen` made), each
            // consistent: a change in any of them is waited out.
            let mut now = Vec::new();
            let mut next = Some(rendezvous);
            for namespace in 0..libraries::MAX_NAMESPACES {
                let Some(at) = next else { break };
                let Some(state) = libraries::read_rendezvous(&mut read, at) else {
                    break;
                };
                if !state.consistent {
                    return Vec::new();
                }
                now.extend(libraries::read_list(
                    &mut read,
                    state.map,
                    at,
                    namespace == 0,
                    &cwd,
                    &known,
                ));
                next = state.next;
            }
            now
        };
        let (loaded, unloaded) = self.linker.update(now);
        if loaded.is_empty() && unloaded.is_empty() {
            return Vec::new();
        }
        let mut events = Vec::new();
        for library in &unloaded {
            self.library_unloaded(library);
            events.push(Event::LibraryUnloaded {
                path: library.path.clone(),
            });
        }
        self.images.reload(pid);
        self.scope_cache.clear();
        let mut images = Vec::new();
        for library in &loaded {
            events.push(Event::LibraryLoaded {
                path: library.path.clone(),
                base: library.base,
            });
            if let Some(image) = self.images.known_image_at(library.dynamic) {
                images.push(image);
            }
        }
        events.extend(self.resolve_in(&images));
        events
    }

    /// Library `library` is gone: its sites (memory and all) are forgotten, and breakpoint
    /// locations in it dropped (a breakpoint left with none is pending again).
    fn library_unloaded(&mut self, library: &Library) {
        let Some(image) = self.images.known_image_at(library.dynamic) else {
            return;
        };
        // A hardware breakpoint there gives back its debug register and waits again.
        let inside = |a: &VirtAddr| image.start <= *a && *a < image.end;
        let hardware: Vec<u32> = self
            .breakpoints
            .all()
            .filter(|bp| bp.hardware && bp.locations.iter().any(inside))
            .map(|bp| bp.id)
            .collect();
        for id in hardware {
            let _ = self.free_slot(SlotOwner::Breakpoint(id));
            if let Some(bp) = self.breakpoints.get_mut(id) {
                bp.locations.clear();
            }
        }
        let gone = self.sites.forget_range(image.start, image.end);
        if gone.is_empty() {
            return;
        }
        let ids: Vec<u32> = self.breakpoints.all().map(|bp| bp.id).collect();
        for id in ids {
            if let Some(bp) = self.breakpoints.get_mut(id) {
                bp.locations.retain(|a| !gone.contains(a));
            }
        }
        for tid in self.at_breakpoint.clone() {
            let here = self.process.current_thread();
            let pc = self
                .process
                .select_thread(tid)
                .and_then(|()| self.process.pc());
            let _ = self.process.select_thread(here);
            if pc.is_ok_and(|pc| gone.contains(&pc)) {
                self.at_breakpoint.remove(&tid);
            }
        }
    }

    /// Resolve every breakpoint again in `images` (newly loaded): new locations are
    /// inserted (for an enabled breakpoint) and reported.
    pub(super) fn resolve_in(&mut self, images: &[Image]) -> Vec<Event> {
        let mut events = Vec::new();
        if images.is_empty() {
            return events;
        }
        // A hardware breakpoint has one location (one debug register): only a pending one
        // resolves, at the first place found.
        let wanted: Vec<(u32, Location, bool, bool, bool)> = self
            .breakpoints
            .all()
            .filter(|bp| !bp.hardware || bp.locations.is_empty())
            .map(|bp| {
                (
                    bp.id,
                    bp.location.clone(),
                    bp.locations.is_empty(),
                    bp.enabled,
                    bp.hardware,
                )
            })
            .collect();
        for (id, location, pending, enabled, hardware) in wanted {
            let mut found = Vec::new();
            for image in images {
                found.extend(self.addresses_in(image, &location, pending));
            }
            if hardware {
                found.truncate(1);
            }
            let known = self
                .breakpoints
                .get(id)
                .map(|bp| bp.locations.clone())
                .unwrap_or_default();
            let mut added = Vec::new();
            for address in found {
                if known.contains(&address) || added.contains(&address) {
                    continue;
                }
                let inserted = match (enabled, hardware) {
                    (false, _) => Ok(()),
                    (true, false) => self.insert_site(address, SiteOwner::Breakpoint(id)),
                    (true, true) => dbg_watch::Watch::execute(address)
                        .map_err(Into::into)
                        .and_then(|watch| self.take_slot(watch, SlotOwner::Breakpoint(id))),
                };
                if inserted.is_err() {
                    continue;
                }
                added.push(address);
            }
            if added.is_empty() {
                continue;
            }
            let Some(bp) = self.breakpoints.get_mut(id) else {
                continue;
            };
            bp.locations.extend(added);
            let locations = bp.locations.clone();
            if !self.same_as_before(id, &locations) {
                events.push(Event::BreakpointResolved { id, locations });
            }
        }
        events
    }

    /// Where `location` is in `image`: every function so named, the code of a source line;
    /// a symbol (`*name`, `name+N`) only for a breakpoint that is `pending` (it names one
    /// address). Nothing on any error: a library that cannot be read resolves nothing.
    fn addresses_in(&mut self, image: &Image, location: &Location, pending: bool) -> Vec<VirtAddr> {
        // An address resolves where it was, in the binary mapped there (the same place when
        // the program starts again without ASLR). It needs no symbols (a remote client's
        // breakpoints are all addresses): the library is not opened for it.
        if let Location::Address(address) = location {
            let inside = image.start <= *address && *address < image.end;
            return if pending && inside {
                vec![*address]
            } else {
                Vec::new()
            };
        }
        let Some(module) = self.images.module(&image.path) else {
            return Vec::new();
        };
        match location {
            // A breakpoint that has locations gains the functions a new library defines
            // under that name; only a pending one also looks for inlined copies, which
            // means reading all of the library's DWARF (the C library's is tens of MB).
            Location::Function(name) => module
                .function_addresses(name, pending)
                .unwrap_or_default()
                .into_iter()
                .map(|(_, address)| image.bias.to_virt(address))
                .collect(),
            Location::Line { file, line } if module.has_debug_info() => {
                match module.line_addresses(file, *line) {
                    Ok(LineLookup::Found { addresses, .. }) => addresses
                        .into_iter()
                        .map(|a| image.bias.to_virt(a))
                        .collect(),
                    _ => Vec::new(),
                }
            }
            Location::Symbol { name, offset } if pending => module
                .symbols_named(name)
                .first()
                .map(|s| image.bias.to_virt(s.address).wrapping_add(*offset))
                .into_iter()
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A reader of the tracee's memory for the linker's structures (bounded, possibly
    /// short; our `int3`s are not in them).
    fn tracee_reader(&self) -> impl FnMut(VirtAddr, usize) -> Option<Vec<u8>> + '_ {
        |address, len| self.memory.read(address, len).ok().map(|read| read.bytes)
    }

    /// The dynamic linker's list as it stands (not the executable, not the vdso), every
    /// namespace: path, load bias and entry — without opening any binary (what a remote
    /// client's `qXfer:libraries-svr4` needs, at each load).
    pub fn link_map_entries(&self) -> Vec<(PathBuf, VirtAddr, LinkMapEntry)> {
        self.linker
            .known
            .iter()
            .map(|lib| {
                let entry = LinkMapEntry {
                    link_map: lib.link_map,
                    dynamic: lib.dynamic,
                    namespace: lib.namespace,
                };
                (lib.path.clone(), lib.base, entry)
            })
            .collect()
    }

    /// The executable's `link_map` entry (the head of the dynamic linker's list), once the
    /// linker has set its list up.
    pub fn main_link_map(&mut self) -> Option<VirtAddr> {
        let rendezvous = self.linker.rendezvous?;
        let state = libraries::read_rendezvous(&mut self.tracee_reader(), rendezvous)?;
        (state.map.get() != 0).then_some(state.map)
    }

    /// Whether breakpoints that resolve nowhere yet can wait for a library (the program has
    /// a dynamic linker whose loads are tracked).
    pub(super) fn can_load_libraries(&self) -> bool {
        self.linker.tracking()
    }

    /// The loaded shared libraries (not the executable, not the vdso), in load order: from
    /// the dynamic linker's list, or (a program without one) from the mappings.
    pub fn libraries(&mut self) -> Vec<LibraryInfo> {
        let pid = self.pid();
        type Listed = (PathBuf, VirtAddr, Option<LinkMapEntry>, Option<Image>);
        let listed: Vec<Listed> = if self.linker.tracking() {
            self.linker
                .known
                .clone()
                .into_iter()
                .map(|lib| {
                    let image = self.images.known_image_at(lib.dynamic);
                    let entry = LinkMapEntry {
                        link_map: lib.link_map,
                        dynamic: lib.dynamic,
                        namespace: lib.namespace,
                    };
                    (lib.path, lib.base, Some(entry), image)
                })
                .collect()
        } else {
            self.images
                .all(pid)
                .into_iter()
                .filter(|image| !self.images.is_program_or_vdso(image))
                .map(|image| {
                    let base = image.bias.to_virt(dbg_symbols::FileAddr::new(0));
                    (image.path.clone(), base, None, Some(image))
                })
                .collect()
        };
        listed
            .into_iter()
            .map(|(path, base, link_map, image)| {
                let mapped = image.as_ref().map(|image| image.path.clone());
                let symbols = image
                    .and_then(|image| {
                        self.images
                            .module(&image.path)
                            .map(|m| m.symbol_count() > 0)
                    })
                    .unwrap_or(false);
                // The separate debug file its DWARF comes from, when one was found (the
                // module is opened above, which is when it is looked for).
                let debuginfo = mapped
                    .and_then(|mapped| self.images.debug_file(&mapped))
                    .map(std::path::Path::to_path_buf);
                LibraryInfo {
                    path,
                    base,
                    link_map,
                    symbols,
                    debuginfo,
                }
            })
            .collect()
    }
}
