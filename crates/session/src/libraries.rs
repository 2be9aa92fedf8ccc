//! The shared libraries the dynamic linker has loaded, read from its own interface: the
//! `r_debug` rendezvous structure and its `link_map` list (glibc's `<link.h>`), with every
//! read bounded, since they are tracee data. The linker calls `r_brk` (`_dl_debug_state`)
//! around every change of the list, so a breakpoint there sees every load and unload when it
//! happens — and costs nothing to a program that loads nothing after start-up.

use std::path::PathBuf;

use dbg_sys::VirtAddr;

/// A library in the dynamic linker's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Library {
    /// Its path, as the dynamic linker names it (`l_name`).
    pub path: PathBuf,
    /// Its load bias (`l_addr`): what is added to its own addresses.
    pub base: VirtAddr,
    /// Its dynamic section (`l_ld`): an address inside the loaded library, by which it is
    /// matched to its mappings (whose path may differ through symbolic links).
    pub(crate) dynamic: VirtAddr,
    /// Its `link_map` entry in the tracee.
    pub(crate) link_map: VirtAddr,
    /// Where its name is in the tracee (`l_name`).
    pub(crate) name: VirtAddr,
    /// The `r_debug` of its link-map namespace (`dlmopen`'s; the program's own for most).
    pub(crate) namespace: VirtAddr,
}

impl Library {
    /// What identifies an entry of the linker's list without reading its name: where it is,
    /// where its name is, its bias and its dynamic section.
    fn entry_key(&self) -> EntryKey {
        (
            self.link_map.get(),
            self.name.get(),
            self.base.get(),
            self.dynamic.get(),
        )
    }
}

/// See [`Library::entry_key`].
type EntryKey = (u64, u64, u64, u64);

/// The paths of the entries of the last consistent list, by [`Library::entry_key`]: an entry
/// found unchanged in the next list keeps its path without its name being read again (a
/// program that loads hundreds of libraries one by one would otherwise read every name at
/// every load). A slot freed and reused for another library cannot match: the list is read
/// at every change the linker announces, and each unload is seen before the next load.
pub(crate) type KnownPaths = std::collections::HashMap<EntryKey, PathBuf>;

/// A loaded library as `sharedlibrary list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryInfo {
    /// Its path, as the dynamic linker names it.
    pub path: PathBuf,
    /// Its load bias.
    pub base: VirtAddr,
    /// Where the dynamic linker's list has it, when it is from that list (what a remote
    /// client's `qXfer:libraries-svr4` wants).
    pub link_map: Option<LinkMapEntry>,
    /// Whether its ELF symbols could be read.
    pub symbols: bool,
    /// The separate debug-information file read for it, if any (none is searched yet: the
    /// hook for separate debug files).
    pub debuginfo: Option<PathBuf>,
}

/// A library's entry in the dynamic linker's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkMapEntry {
    /// Its `struct link_map` in the tracee.
    pub link_map: VirtAddr,
    /// Its dynamic section (`l_ld`).
    pub dynamic: VirtAddr,
    /// The `r_debug` of its link-map namespace (gdb's `lmid`).
    pub namespace: VirtAddr,
}

/// `r_state` when the list is consistent (`RT_CONSISTENT`).
const RT_CONSISTENT: u32 = 0;

/// Offsets in `struct r_debug` (x86-64): `r_version` (int), `r_map`, `r_brk`, `r_state`,
/// `r_ldbase`; and in glibc's `struct r_debug_extended` (version 2 and up, glibc 2.35), the
/// next namespace's rendezvous, `r_next` (`dlmopen`).
const R_VERSION: usize = 0;
const R_MAP: usize = 8;
const R_BRK: usize = 16;
const R_STATE: usize = 24;
const R_NEXT: usize = 40;
const R_DEBUG_SIZE: usize = 32;
const R_DEBUG_EXTENDED_SIZE: usize = 48;

/// The most link-map namespaces followed (glibc allows 16: `DL_NNS`).
pub(crate) const MAX_NAMESPACES: usize = 64;

/// Offsets in `struct link_map`: `l_addr`, `l_name`, `l_ld`, `l_next`.
const L_ADDR: usize = 0;
const L_NAME: usize = 8;
const L_LD: usize = 16;
const L_NEXT: usize = 24;
const LINK_MAP_SIZE: usize = 32;

/// The most entries walked: a corrupt (cyclic) list ends here.
const MAX_LIBRARIES: usize = 8192;

/// The longest library path read (`PATH_MAX`).
const MAX_PATH: usize = 4096;

/// What the rendezvous structure says now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rendezvous {
    /// Where the linker calls at each change (0 before the linker set it up).
    pub(crate) brk: VirtAddr,
    /// Whether the list is consistent (not in the middle of a change).
    pub(crate) consistent: bool,
    /// The head of the list (0 before the linker set it up).
    pub(crate) map: VirtAddr,
    /// The rendezvous of the next link-map namespace (`dlmopen`), if there is one.
    pub(crate) next: Option<VirtAddr>,
}

fn word(bytes: &[u8], at: usize) -> Option<u64> {
    let slice = bytes.get(at..at.checked_add(8)?)?;
    Some(u64::from_ne_bytes(slice.try_into().ok()?))
}

/// Read `r_debug` at `address`; `read(address, len)` reads the tracee (possibly short).
pub(crate) fn read_rendezvous(
    read: &mut dyn FnMut(VirtAddr, usize) -> Option<Vec<u8>>,
    address: VirtAddr,
) -> Option<Rendezvous> {
    let bytes = read(address, R_DEBUG_EXTENDED_SIZE)?;
    if bytes.len() < R_DEBUG_SIZE {
        return None;
    }
    let state = word(&bytes, R_STATE)? & 0xffff_ffff;
    let version = word(&bytes, R_VERSION)? & 0xffff_ffff;
    let next = (version >= 2)
        .then(|| word(&bytes, R_NEXT))
        .flatten()
        .filter(|next| *next != 0)
        .map(VirtAddr::new);
    Some(Rendezvous {
        brk: VirtAddr::new(word(&bytes, R_BRK)?),
        consistent: state == u64::from(RT_CONSISTENT),
        map: VirtAddr::new(word(&bytes, R_MAP)?),
        next,
    })
}

/// The libraries in the list starting at `map`: the entries with no path (the vdso) left
/// out, and in the program's own namespace (`main`) the first entry, the executable; a
/// relative path is taken from `cwd()` (asked only then: it reads /proc).
pub(crate) fn read_list(
    read: &mut dyn FnMut(VirtAddr, usize) -> Option<Vec<u8>>,
    map: VirtAddr,
    namespace: VirtAddr,
    main: bool,
    cwd: &dyn Fn() -> Option<PathBuf>,
    known: &KnownPaths,
) -> Vec<Library> {
    let mut libraries = Vec::new();
    let mut entry = map;
    for index in 0..MAX_LIBRARIES {
        if entry.get() == 0 {
            break;
        }
        let Some(bytes) = read(entry, LINK_MAP_SIZE) else {
            break;
        };
        let (Some(addr), Some(name), Some(ld), Some(next)) = (
            word(&bytes, L_ADDR),
            word(&bytes, L_NAME),
            word(&bytes, L_LD),
            word(&bytes, L_NEXT),
        ) else {
            break;
        };
        let link_map = entry;
        entry = VirtAddr::new(next);
        if (main && index == 0) || name == 0 {
            continue;
        }
        if let Some(path) = known.get(&(link_map.get(), name, addr, ld)) {
            libraries.push(Library {
                path: path.clone(),
                base: VirtAddr::new(addr),
                dynamic: VirtAddr::new(ld),
                link_map,
                name: VirtAddr::new(name),
                namespace,
            });
            continue;
        }
        let name_at = VirtAddr::new(name);
        let Some(name) = read(name_at, MAX_PATH).and_then(|bytes| c_string(&bytes)) else {
            continue;
        };
        // A name without a slash is no file (`linux-vdso.so.1`).
        if !name.contains('/') {
            continue;
        }
        let mut path = PathBuf::from(&name);
        if path.is_relative() {
            if let Some(cwd) = cwd() {
                path = cwd.join(path);
            }
        }
        libraries.push(Library {
            path,
            base: VirtAddr::new(addr),
            dynamic: VirtAddr::new(ld),
            link_map,
            name: name_at,
            namespace,
        });
    }
    libraries
}

/// `DT_DEBUG`: the dynamic-section entry the linker fills with the address of `r_debug`.
const DT_DEBUG: u64 = 21;

/// The largest dynamic section read (a few hundred bytes in practice).
pub(crate) const MAX_DYNAMIC: u64 = 1 << 16;

/// The value of `DT_DEBUG` in dynamic-section bytes (pairs of tag and value, ending at
/// `DT_NULL`), if present and set.
pub(crate) fn debug_entry(dynamic: &[u8]) -> Option<VirtAddr> {
    dynamic
        .chunks_exact(16)
        .map(|pair| (word(pair, 0), word(pair, 8)))
        .take_while(|(tag, _)| *tag != Some(0))
        .find_map(|(tag, value)| (tag? == DT_DEBUG).then_some(value?))
        .filter(|value| *value != 0)
        .map(VirtAddr::new)
}

/// The text up to the first NUL, if there is one within the bytes read.
fn c_string(bytes: &[u8]) -> Option<String> {
    let end = bytes.iter().position(|b| *b == 0)?;
    let text = bytes.get(..end)?;
    (!text.is_empty()).then(|| String::from_utf8_lossy(text).into_owned())
}

/// The session's view of the dynamic linker: where its rendezvous and hook are, and the
/// libraries last seen in its list.
#[derive(Debug, Default)]
pub(crate) struct Linker {
    /// `r_debug` in the process, once found.
    pub(crate) rendezvous: Option<VirtAddr>,
    /// The address of our internal breakpoint (`r_brk`), once inserted.
    pub(crate) hook: Option<VirtAddr>,
    /// The libraries as of the last consistent state.
    pub(crate) known: Vec<Library>,
    /// How many times the hook stopped the program.
    pub(crate) hits: u64,
}

impl Linker {
    /// Whether libraries are tracked through the linker (then the mappings need not be read
    /// again after every stop).
    pub(crate) fn tracking(&self) -> bool {
        self.hook.is_some()
    }

    /// Whether `address` is the linker's hook.
    pub(crate) fn is_hook(&self, address: VirtAddr) -> bool {
        self.hook == Some(address)
    }

    /// The paths of the known list's entries, for reading the next list.
    pub(crate) fn known_paths(&self) -> KnownPaths {
        self.known
            .iter()
            .map(|library| (library.entry_key(), library.path.clone()))
            .collect()
    }

    /// Replace the known list with `now`: the libraries that appeared and those that went.
    pub(crate) fn update(&mut self, now: Vec<Library>) -> (Vec<Library>, Vec<Library>) {
        // By path and base, hashed: a program with hundreds of libraries diffs its list at
        // every load.
        use std::collections::HashSet;
        let key = |lib: &Library| (lib.path.as_os_str().to_owned(), lib.base.get());
        let before: HashSet<_> = self.known.iter().map(key).collect();
        let after: HashSet<_> = now.iter().map(key).collect();
        let loaded: Vec<Library> = now
            .iter()
            .filter(|lib| !before.contains(&key(lib)))
            .cloned()
            .collect();
        let unloaded: Vec<Library> = self
            .known
            .iter()
            .filter(|old| !after.contains(&key(old)))
            .cloned()
            .collect();
        self.known = now;
        (loaded, unloaded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// A fake address space: blocks of bytes by start address.
    fn reader(memory: BTreeMap<u64, Vec<u8>>) -> impl FnMut(VirtAddr, usize) -> Option<Vec<u8>> {
        move |address, len| {
            let (start, bytes) = memory.range(..=address.get()).next_back()?;
            let from = usize::try_from(address.get() - start).ok()?;
            let rest = bytes.get(from..)?;
            Some(rest.iter().take(len).copied().collect())
        }
    }

    fn entry(addr: u64, name: u64, ld: u64, next: u64) -> Vec<u8> {
        [addr, name, ld, next]
            .iter()
            .flat_map(|w| w.to_ne_bytes())
            .collect()
    }

    #[test]
    fn the_list_skips_the_executable_and_the_vdso_and_ends_on_a_cycle() {
        let mut memory = BTreeMap::new();
        memory.insert(0x1000, entry(0, 0x5000, 0x10, 0x1100));
        memory.insert(0x1100, entry(0x7000, 0x5100, 0x7010, 0x1200));
        memory.insert(0x1200, entry(0x8000, 0x5200, 0x8010, 0x1000));
        memory.insert(0x5000, b"\0".to_vec());
        memory.insert(0x5100, b"linux-vdso.so.1\0".to_vec());
        memory.insert(0x5200, b"/lib/libc.so.6\0".to_vec());
        let mut read = reader(memory);
        let list = read_list(
            &mut read,
            VirtAddr::new(0x1000),
            VirtAddr::new(0x30),
            true,
            &|| None,
            &KnownPaths::new(),
        );
        // The cycle back to the executable repeats the library each time round: bounded.
        assert_eq!(list.len(), MAX_LIBRARIES / 3);
        assert_eq!(
            list.first().map(|l| l.path.clone()),
            Some("/lib/libc.so.6".into())
        );
        assert_eq!(list.first().map(|l| l.base), Some(VirtAddr::new(0x8000)));
    }

    #[test]
    fn an_entry_seen_unchanged_keeps_its_path_and_a_changed_one_is_read_again() {
        let mut memory = BTreeMap::new();
        memory.insert(0x1000, entry(0, 0x5000, 0x10, 0x1100));
        memory.insert(0x1100, entry(0x7000, 0x5100, 0x7010, 0x1200));
        memory.insert(0x1200, entry(0x8000, 0x5200, 0x8010, 0));
        memory.insert(0x5000, b"\0".to_vec());
        memory.insert(0x5100, b"/lib/liba.so\0".to_vec());
        memory.insert(0x5200, b"/lib/libb.so\0".to_vec());
        let names_read = std::cell::Cell::new(0);
        let list = |memory: &BTreeMap<u64, Vec<u8>>, known: &KnownPaths| {
            let mut inner = reader(memory.clone());
            let mut read = |address: VirtAddr, len| {
                if address.get() >= 0x5000 {
                    names_read.set(names_read.get() + 1);
                }
                inner(address, len)
            };
            let at = VirtAddr::new(0x1000);
            read_list(&mut read, at, VirtAddr::new(0x30), true, &|| None, known)
        };
        let mut linker = Linker::default();
        linker.update(list(&memory, &linker.known_paths()));
        assert_eq!(names_read.replace(0), 2);
        // Read again unchanged: no name is read, the paths are the same.
        let again = list(&memory, &linker.known_paths());
        assert_eq!(names_read.replace(0), 0);
        assert_eq!(again, linker.known);
        // The second slot now holds another library (another name at the same address, as
        // after an unload and a load the list was not read between): its bias differs, so
        // its name is read.
        memory.insert(0x1200, entry(0x9000, 0x5200, 0x9010, 0));
        memory.insert(0x5200, b"/lib/libc.so\0".to_vec());
        let changed = list(&memory, &linker.known_paths());
        assert_eq!(names_read.get(), 1);
        let paths: Vec<_> = changed.iter().map(|l| l.path.clone()).collect();
        assert_eq!(
            paths,
            [PathBuf::from("/lib/liba.so"), "/lib/libc.so".into()]
        );
    }

    #[test]
    fn a_diff_names_what_came_and_went() {
        let lib = |path: &str, base| Library {
            path: path.into(),
            base: VirtAddr::new(base),
            dynamic: VirtAddr::new(base + 0x10),
            link_map: VirtAddr::new(base + 0x20),
            name: VirtAddr::new(base + 0x40),
            namespace: VirtAddr::new(0x30),
        };
        let mut linker = Linker::default();
        let (loaded, unloaded) = linker.update(vec![lib("/a", 1), lib("/b", 2)]);
        assert_eq!((loaded.len(), unloaded.len()), (2, 0));
        let (loaded, unloaded) = linker.update(vec![lib("/a", 1), lib("/c", 3)]);
        assert_eq!(loaded, vec![lib("/c", 3)]);
        assert_eq!(unloaded, vec![lib("/b", 2)]);
    }

    #[test]
    fn dt_debug_is_found_before_dt_null_and_only_once_set() {
        let entries = |pairs: &[(u64, u64)]| -> Vec<u8> {
            pairs
                .iter()
                .flat_map(|(tag, value)| [tag.to_ne_bytes(), value.to_ne_bytes()].concat())
                .collect()
        };
        let set = entries(&[(1, 5), (DT_DEBUG, 0x7000), (0, 0)]);
        assert_eq!(debug_entry(&set), Some(VirtAddr::new(0x7000)));
        assert_eq!(debug_entry(&entries(&[(DT_DEBUG, 0), (0, 0)])), None);
        assert_eq!(debug_entry(&entries(&[(0, 0), (DT_DEBUG, 0x7000)])), None);
    }

    #[test]
    fn a_short_or_unterminated_read_is_no_rendezvous_or_name() {
        let mut read = reader(BTreeMap::from([(0x100, vec![0; 8])]));
        assert_eq!(read_rendezvous(&mut read, VirtAddr::new(0x100)), None);
        assert_eq!(c_string(b"abc"), None);
    }
}
