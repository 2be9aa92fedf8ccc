//! The protocol's base framing: a message is a header (`Content-Length: N`, other fields
//! ignored, each line ended by CRLF, the header by an empty line) and N bytes of JSON.
//! Reading is bounded (header lines, header count, body size) so that no input makes the
//! adapter allocate without limit, and a bad header or a body too large (skipped unread)
//! costs that message only.

use std::io::{BufRead, Read, Write};

/// The largest message body accepted.
pub const MAX_BODY: usize = 64 << 20;

/// The longest header line accepted.
const MAX_HEADER_LINE: u64 = 1024;

/// The most header lines in one message.
const MAX_HEADER_LINES: usize = 32;

/// Why a message could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The input failed.
    #[error("cannot read the input: {0}")]
    Io(#[from] std::io::Error),
    /// The input ended inside a message.
    #[error("the input ended inside a message")]
    Truncated,
    /// A header without `Content-Length`.
    #[error("message header without Content-Length")]
    MissingLength,
    /// A `Content-Length` that is not a number.
    #[error("bad Content-Length: {0:?}")]
    BadLength(String),
    /// A body larger than [`MAX_BODY`].
    #[error("message of {0} bytes is larger than the {MAX_BODY} accepted")]
    TooLarge(usize),
    /// A header line that is too long or not `Name: value`.
    #[error("bad header line: {0:?}")]
    BadHeader(String),
}

impl FrameError {
    /// Whether reading can go on with the next message (false: the input is gone).
    pub fn is_recoverable(&self) -> bool {
        !matches!(self, FrameError::Io(_) | FrameError::Truncated)
    }
}

/// Read one message's body; `None` at the end of the input between messages.
pub fn read_message(input: &mut impl BufRead) -> Result<Option<Vec<u8>>, FrameError> {
    let mut length: Option<Result<usize, FrameError>> = None;
    let mut bad_header = None;
    let mut lines = 0usize;
    loop {
        let mut line = Vec::new();
        let read = input
            .by_ref()
            .take(MAX_HEADER_LINE)
            .read_until(b'\n', &mut line)?;
        if read == 0 {
            return if lines == 0 {
                Ok(None)
            } else {
                Err(FrameError::Truncated)
            };
        }
        if !line.ends_with(b"\n") {
            // Too long: skip the rest of the line, then report it once the header ends.
            input.skip_until(b'\n')?;
            bad_header.get_or_insert(String::from_utf8_lossy(&line).into_owned());
            lines += 1;
            continue;
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if lines == 0 {
                // Blank lines between messages are tolerated.
                continue;
            }
            break;
        }
        lines += 1;
        if lines > MAX_HEADER_LINES {
            bad_header.get_or_insert(text.to_string());
            continue;
        }
        match text.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                let value = value.trim();
                length = Some(
                    value
                        .parse::<usize>()
                        .map_err(|_| FrameError::BadLength(value.to_string())),
                );
            }
            Some(_) => {}
            None => {
                bad_header.get_or_insert(text.to_string());
            }
        }
    }
    if let Some(line) = bad_header {
        return Err(FrameError::BadHeader(line));
    }
    let length = length.ok_or(FrameError::MissingLength)??;
    if length > MAX_BODY {
        // Skip it, a buffer at a time, so that the next message is framed right.
        let skip = u64::try_from(length).unwrap_or(u64::MAX);
        let skipped = std::io::copy(&mut input.by_ref().take(skip), &mut std::io::sink())?;
        if skipped < skip {
            return Err(FrameError::Truncated);
        }
        return Err(FrameError::TooLarge(length));
    }
    let mut body = vec![0u8; length];
    input
        .read_exact(&mut body)
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::UnexpectedEof => FrameError::Truncated,
            _ => FrameError::Io(error),
        })?;
    Ok(Some(body))
}

/// Write one message.
pub fn write_message(output: &mut impl Write, body: &[u8]) -> std::io::Result<()> {
    write!(output, "Content-Length: {}\r\n\r\n", body.len())?;
    output.write_all(body)?;
    output.flush()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn read_all(input: &[u8]) -> Vec<Result<Option<Vec<u8>>, String>> {
        let mut reader = std::io::BufReader::new(input);
        let mut out = Vec::new();
        loop {
            let message = read_message(&mut reader).map_err(|e| e.to_string());
            let stop =
                matches!(message, Ok(None)) || matches!(&message, Err(e) if e.contains("ended"));
            out.push(message);
            if stop {
                return out;
            }
        }
    }

    #[test]
    fn reads_messages_back_to_back() {
        let got = read_all(b"Content-Length: 2\r\n\r\n{}Content-Length: 3\r\nX: y\r\n\r\n[1]");
        assert_eq!(
            got,
            vec![
                Ok(Some(b"{}".to_vec())),
                Ok(Some(b"[1]".to_vec())),
                Ok(None)
            ]
        );
    }

    #[test]
    fn bad_headers_cost_one_message() {
        let got = read_all(
            b"Content-Type: json\r\n\r\nContent-Length: x\r\n\r\nContent-Length: 2\r\n\r\n{}",
        );
        assert_eq!(
            got,
            vec![
                Err("message header without Content-Length".into()),
                Err("bad Content-Length: \"x\"".into()),
                Ok(Some(b"{}".to_vec())),
                Ok(None)
            ]
        );
    }

    #[test]
    fn refuses_huge_and_truncated_bodies() {
        let huge = format!("Content-Length: {}\r\n\r\n", MAX_BODY + 1);
        assert!(matches!(
            read_message(&mut std::io::BufReader::new(huge.as_bytes())),
            Err(FrameError::Truncated)
        ));
        // A huge body is skipped whole: the next message is read as it should be.
        let mut input = huge.into_bytes();
        input.resize(input.len() + MAX_BODY + 1, b'[');
        input.extend_from_slice(b"Content-Length: 2\r\n\r\n{}");
        let mut reader = std::io::BufReader::new(&input[..]);
        assert!(matches!(
            read_message(&mut reader),
            Err(FrameError::TooLarge(_))
        ));
        assert_eq!(read_message(&mut reader).unwrap(), Some(b"{}".to_vec()));
        let cut = b"Content-Length: 10\r\n\r\n{}";
        assert!(matches!(
            read_message(&mut std::io::BufReader::new(&cut[..])),
            Err(FrameError::Truncated)
        ));
    }

    #[test]
    fn writes_the_header() {
        let mut out = Vec::new();
        write_message(&mut out, b"{}").unwrap();
        assert_eq!(out, b"Content-Length: 2\r\n\r\n{}");
    }
}
