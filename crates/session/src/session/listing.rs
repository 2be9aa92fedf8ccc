//! Source listings: `list [LOCATION]` and the lines around the pc at a stop. Source files are
//! read once (up to a size limit) and kept.

use super::{Location, Session};
use crate::error::{Error, Result};

/// The largest source file read (a listing of anything bigger is refused).
const MAX_SOURCE: u64 = 16 << 20;

/// Lines of one source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// The file as it is named in stops.
    pub file: String,
    /// Its path.
    pub path: String,
    /// `(number, text)`, in order.
    pub lines: Vec<(u32, String)>,
    /// The line the selected frame is at, if it is among them (marked `->`).
    pub current: Option<u32>,
}

/// Where the last `list` ended, so that a bare `list` goes on from there.
#[derive(Debug, Clone)]
pub(crate) struct ListState {
    file: String,
    pub(super) path: String,
    /// The first line of the last listing (where `list -` goes back from).
    first: u32,
    next: u32,
}

impl Session {
    /// Lines `first..=last` of a source file (read once, then kept).
    fn source_text(&mut self, path: &str) -> Result<std::rc::Rc<Vec<String>>> {
        if let Some(text) = self.sources.get(path) {
            return Ok(std::rc::Rc::clone(text));
        }
        let unreadable = |source| Error::SourceUnreadable {
            path: path.to_string(),
            source,
        };
        // The path comes from the program's DWARF: only a regular file is read (not a FIFO
        // or a device), and never more than the limit.
        let metadata = std::fs::metadata(path).map_err(unreadable)?;
        if !metadata.is_file() {
            return Err(Error::SourceNotAFile {
                path: path.to_string(),
            });
        }
        let mut bytes = Vec::new();
        let file = std::fs::File::open(path).map_err(unreadable)?;
        std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_SOURCE + 1), &mut bytes)
            .map_err(unreadable)?;
        if bytes.len() as u64 > MAX_SOURCE {
            return Err(Error::SourceTooLarge {
                path: path.to_string(),
                limit_mib: MAX_SOURCE >> 20,
            });
        }
        let text: Vec<String> = String::from_utf8_lossy(&bytes)
            .lines()
            .map(|line| line.replace('\t', "    "))
            .collect();
        let text = std::rc::Rc::new(text);
        self.sources
            .insert(path.to_string(), std::rc::Rc::clone(&text));
        Ok(text)
    }

    fn listing(
        &mut self,
        file: &str,
        path: &str,
        first: u32,
        last: u32,
        current: Option<u32>,
    ) -> Result<Listing> {
        let text = self.source_text(path)?;
        let count = u32::try_from(text.len()).unwrap_or(u32::MAX);
        if first > count {
            return Err(Error::LineBeyondEnd {
                line: first,
                file: file.to_string(),
                count,
            });
        }
        let first = first.max(1);
        let last = last.min(count);
        let lines = (first..=last)
            .filter_map(|n| Some((n, text.get(n as usize - 1)?.clone())))
            .collect();
        self.list_state = Some(ListState {
            file: file.to_string(),
            path: path.to_string(),
            first,
            next: last.saturating_add(1),
        });
        Ok(Listing {
            file: file.to_string(),
            path: path.to_string(),
            lines,
            current: current.filter(|c| (first..=last).contains(c)),
        })
    }

    /// `list [LOCATION]`: ten lines centred on the location (a function, a line, an
    /// address); without one, around the selected frame's line the first time, then the
    /// ten lines after the last listing.
    pub fn list(&mut self, location: Option<&Location>) -> Result<Listing> {
        let pid = self.pid();
        let target = match location {
            None => {
                if let Some(state) = self.list_state.clone() {
                    return self.listing(
                        &state.file,
                        &state.path,
                        state.next,
                        state.next.saturating_add(9),
                        None,
                    );
                }
                let frame = self.selected_frame()?;
                frame
                    .place
                    .and_then(|p| p.source)
                    .ok_or(Error::NoLineInfoAtStop)?
            }
            Some(location) => {
                let current;
                let location = match location {
                    Location::CurrentLine(line) => {
                        current = self.in_current_file(*line)?;
                        &current
                    }
                    other => other,
                };
                // A line of a file known by its full path is listed as text, code or not
                // (a comment, a line past the last function), as gdb lists it.
                if let Location::Line { file, line } = location {
                    if file.starts_with('/') {
                        let name = std::path::Path::new(file)
                            .file_name()
                            .map_or_else(|| file.clone(), |n| n.to_string_lossy().into_owned());
                        let first = line.saturating_sub(5).max(1);
                        let here = self.frame_line_in(file);
                        return self.listing(&name, file, first, first.saturating_add(9), here);
                    }
                }
                // A function is listed around its first line (its entry, as gdb does), a
                // line around itself.
                let address = self.resolve_address(location)?;
                let mut line = self
                    .images
                    .line_at(pid, address)
                    .ok_or(Error::NoLineInfoAt { address })?;
                if let Location::Line { line: wanted, .. } = location {
                    line.line = *wanted;
                }
                line
            }
        };
        let first = target.line.saturating_sub(5).max(1);
        let here = self.frame_line_in(&target.path);
        self.listing(
            &target.file,
            &target.path,
            first,
            first.saturating_add(9),
            here,
        )
    }

    /// `list -`: the ten lines before the last listing.
    pub fn list_before(&mut self) -> Result<Listing> {
        let state = self.list_state.clone().ok_or(Error::NothingListed)?;
        if state.first <= 1 {
            return Err(Error::AlreadyAtStart { file: state.file });
        }
        let last = state.first - 1;
        let first = last.saturating_sub(9).max(1);
        let here = self.frame_line_in(&state.path);
        let listing = self.listing(&state.file, &state.path, first, last, here)?;
        // A further `list -` goes on backwards; a plain `list` on after the first listing.
        if let Some(listed) = self.list_state.as_mut() {
            listed.next = state.next;
        }
        Ok(listing)
    }

    /// The selected frame's line, when it is in the file at `path`: where a listing marks
    /// `->` (and only there).
    fn frame_line_in(&mut self, path: &str) -> Option<u32> {
        self.selected_frame()
            .ok()
            .and_then(|frame| frame.place)
            .and_then(|place| place.source)
            .filter(|source| source.path == path)
            .map(|source| source.line)
    }

    /// The lines around the pc of the current thread (two before, two after), for a stop.
    pub fn source_at_pc(&mut self) -> Option<Listing> {
        let pid = self.pid();
        let pc = self.current_pc().ok()?;
        let line = self.images.line_at(pid, pc)?;
        let listing = self
            .listing(
                &line.file,
                &line.path,
                line.line.saturating_sub(2).max(1),
                line.line.saturating_add(2),
                Some(line.line),
            )
            .ok();
        // A stop does not move where `list` goes on from: that starts at the stop.
        self.list_state = None;
        listing
    }
}
