//! `QPassSignals`, which gdbstub does not know, as a thin layer between the connection and
//! gdbstub: the client's bytes are framed here as gdbstub frames them, a `QPassSignals`
//! packet is taken out, acknowledged and answered here (gdbstub never sees it), and
//! `;QPassSignals+` is added to gdbstub's `qSupported` reply so that gdb sends the packet at
//! all. Every other byte goes to gdbstub and to the client untouched.
//!
//! Two things this layer must know about gdbstub's side of the conversation, and learns from
//! the bytes since gdbstub does not expose them: which reply answers `qSupported` (the next
//! packet gdbstub writes after it was handed that packet), and whether acknowledgements are
//! off (gdbstub's `OK` to `QStartNoAckMode`). A packet is marked just before the byte that
//! completes it goes to gdbstub, so the next reply written is its reply.
//!
//! A `QPassSignals` packet whose checksum is wrong, or too long for gdbstub's buffer, is
//! handed to gdbstub like any other such packet (gdbstub then ends the connection, as it
//! does for every packet with a bad checksum).

use std::collections::VecDeque;

use gdbstub::common::Signal as GdbSignal;

/// The packet taken out, up to its list of signals.
const PREFIX: &[u8] = b"QPassSignals:";

/// What is added to gdbstub's `qSupported` reply.
const FEATURE: &[u8] = b";QPassSignals+";

/// The start of gdbstub's `qSupported` reply, and only of that reply.
const SUPPORTED_REPLY: &[u8] = b"PacketSize=";

/// How much of a packet's body is kept to recognise it (`QStartNoAckMode` and one more byte).
const HEAD: usize = 16;

/// The largest packet held back: a longer one cannot fit gdbstub's buffer either.
const MAX_HELD: usize = crate::server::PACKET_SIZE;

/// A `QPassSignals` list that is not `;`-separated hexadecimal signal numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Malformed;

/// Where gdbstub's framing is (its `RecvPacketStateMachine`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Frame {
    /// Between packets: `$` starts one, any other byte is a packet of its own (`+`, `-`,
    /// Ctrl-C).
    #[default]
    Between,
    /// In a body, up to `#`.
    Body,
    /// The first checksum digit is next.
    Checksum1,
    /// The second checksum digit is next; it completes the packet.
    Checksum2,
}

/// What a client's packet means to this layer, at its place among the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Event {
    /// A whole `QPassSignals` packet, taken out: answer it.
    PassSignals(Result<Vec<GdbSignal>, Malformed>),
    /// The packet gdbstub is being handed is a `qSupported`: its reply offers the packet.
    Supported,
    /// The packet gdbstub is being handed is `QStartNoAckMode`: an `OK` ends acks.
    NoAck,
}

/// A byte for gdbstub, or the place of the next [`Event`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    Byte(u8),
    Event,
}

/// What gdbstub's next reply answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Awaited {
    Supported,
    NoAck,
}

/// The layer's state for one connection.
#[derive(Debug, Default)]
pub(crate) struct PassSignals {
    frame: Frame,
    /// The body of the packet being framed: all of it while held, its first [`HEAD`] bytes
    /// otherwise.
    body: Vec<u8>,
    /// The packet being framed may be a `QPassSignals`: its bytes are held back.
    holding: bool,
    /// The held packet's first checksum digit.
    checksum1: u8,
    /// Bytes for gdbstub and the places of events, in the client's order.
    items: VecDeque<Item>,
    events: VecDeque<Event>,
    /// gdbstub's reply to `QStartNoAckMode` was `OK`: nothing is acknowledged any more.
    no_ack: bool,
    awaited: Option<Awaited>,
    /// The client's last valid set, not applied yet.
    wanted: Option<Vec<GdbSignal>>,
}

impl PassSignals {
    /// Take in bytes read from the client.
    pub(crate) fn received(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.frame(*byte);
        }
    }

    /// The next byte for gdbstub; a `QPassSignals` packet before it is answered first, its
    /// acknowledgement and reply appended to `reply` (to be sent before the byte is handed
    /// over). `None` when everything received is consumed.
    pub(crate) fn next_byte(&mut self, reply: &mut Vec<u8>) -> Option<u8> {
        loop {
            match self.items.pop_front()? {
                Item::Byte(byte) => return Some(byte),
                Item::Event => match self.events.pop_front() {
                    Some(Event::PassSignals(wanted)) => self.answer(wanted, reply),
                    Some(Event::Supported) => self.awaited = Some(Awaited::Supported),
                    Some(Event::NoAck) => self.awaited = Some(Awaited::NoAck),
                    None => {}
                },
            }
        }
    }

    /// Whether `byte` waits among the bytes for gdbstub.
    pub(crate) fn has_byte(&self, byte: u8) -> bool {
        self.items.contains(&Item::Byte(byte))
    }

    /// Drop every `byte` waiting for gdbstub (Ctrl-Cs, taken as interrupts instead).
    pub(crate) fn drop_bytes(&mut self, byte: u8) {
        self.items.retain(|item| *item != Item::Byte(byte));
    }

    /// The set of signals the client wants passed, once per valid `QPassSignals` packet
    /// (the latest one).
    pub(crate) fn take_wanted(&mut self) -> Option<Vec<GdbSignal>> {
        self.wanted.take()
    }

    /// gdbstub's bytes on their way to the client: the reply awaited is looked at (and the
    /// `qSupported` one extended) in the first packet among them.
    pub(crate) fn outgoing(&mut self, out: &mut Vec<u8>) {
        let Some(awaited) = self.awaited else {
            return;
        };
        let Some(start) = out.iter().position(|b| *b == b'$') else {
            return;
        };
        let Some(hash) = out
            .iter()
            .skip(start)
            .position(|b| *b == b'#')
            .map(|at| at + start)
        else {
            return;
        };
        self.awaited = None;
        let body = out.get(start + 1..hash).unwrap_or(&[]);
        match awaited {
            Awaited::NoAck => {
                if body == b"OK" {
                    self.no_ack = true;
                }
            }
            Awaited::Supported => {
                if !body.starts_with(SUPPORTED_REPLY) {
                    return;
                }
                let Some(sum) = out.get(hash + 1..hash + 3).and_then(decode_checksum) else {
                    return;
                };
                let sum = FEATURE.iter().fold(sum, |a, b| a.wrapping_add(*b));
                let rest = out.split_off(hash + 3);
                out.truncate(hash);
                out.extend_from_slice(FEATURE);
                out.extend_from_slice(format!("#{sum:02x}").as_bytes());
                out.extend_from_slice(&rest);
            }
        }
    }

    /// Frame one byte as gdbstub does, holding back what may be a `QPassSignals` packet.
    fn frame(&mut self, byte: u8) {
        match self.frame {
            Frame::Between => {
                if byte == b'$' {
                    self.frame = Frame::Body;
                    self.body.clear();
                    self.holding = true;
                } else {
                    self.items.push_back(Item::Byte(byte));
                }
            }
            Frame::Body if byte == b'#' => {
                self.frame = Frame::Checksum1;
                if self.holding && !self.body.starts_with(PREFIX) {
                    self.release();
                }
                if !self.holding {
                    if self.body == b"qSupported" || self.body.starts_with(b"qSupported:") {
                        self.event(Event::Supported);
                    } else if self.body == b"QStartNoAckMode" {
                        self.event(Event::NoAck);
                    }
                    self.items.push_back(Item::Byte(byte));
                }
            }
            Frame::Body => {
                if self.holding {
                    self.body.push(byte);
                    let may_be = PREFIX.starts_with(&self.body) || self.body.starts_with(PREFIX);
                    if !may_be || self.body.len() > MAX_HELD {
                        self.release();
                    }
                } else {
                    if self.body.len() < HEAD {
                        self.body.push(byte);
                    }
                    self.items.push_back(Item::Byte(byte));
                }
            }
            Frame::Checksum1 => {
                self.frame = Frame::Checksum2;
                if self.holding {
                    self.checksum1 = byte;
                } else {
                    self.items.push_back(Item::Byte(byte));
                }
            }
            Frame::Checksum2 => {
                self.frame = Frame::Between;
                if !self.holding {
                    self.items.push_back(Item::Byte(byte));
                    return;
                }
                let sum = self.body.iter().fold(0u8, |a, b| a.wrapping_add(*b));
                if decode_checksum(&[self.checksum1, byte]) == Some(sum) {
                    self.holding = false;
                    let list = self.body.get(PREFIX.len()..).unwrap_or(&[]);
                    self.event(Event::PassSignals(parse(list)));
                } else {
                    let checksum1 = self.checksum1;
                    self.release();
                    self.items.extend([b'#', checksum1, byte].map(Item::Byte));
                }
            }
        }
    }

    /// Hand the held bytes to gdbstub after all: the packet is not one for this layer.
    fn release(&mut self) {
        self.holding = false;
        self.items.push_back(Item::Byte(b'$'));
        self.items.extend(self.body.iter().copied().map(Item::Byte));
    }

    fn event(&mut self, event: Event) {
        self.events.push_back(event);
        self.items.push_back(Item::Event);
    }

    /// Acknowledge and answer a `QPassSignals` packet as gdbserver does: `OK` for a valid
    /// list (kept for [`PassSignals::take_wanted`]), `E01` for a malformed one.
    fn answer(&mut self, wanted: Result<Vec<GdbSignal>, Malformed>, reply: &mut Vec<u8>) {
        if !self.no_ack {
            reply.push(b'+');
        }
        let body: &[u8] = match wanted {
            Ok(signals) => {
                self.wanted = Some(signals);
                b"OK"
            }
            Err(Malformed) => b"E01",
        };
        let sum = body.iter().fold(0u8, |a, b| a.wrapping_add(*b));
        reply.push(b'$');
        reply.extend_from_slice(body);
        reply.extend_from_slice(format!("#{sum:02x}").as_bytes());
    }
}

/// A `QPassSignals` list: gdb's signal numbers in hexadecimal, each followed by `;` (gdb
/// ends the list with one too, which may be left out); empty for none.
fn parse(list: &[u8]) -> Result<Vec<GdbSignal>, Malformed> {
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let list = match list.strip_suffix(b";") {
        Some(items) if !items.is_empty() => items,
        _ => list,
    };
    list.split(|b| *b == b';')
        .map(|item| {
            if item.is_empty() || !item.iter().all(u8::is_ascii_hexdigit) {
                return Err(Malformed);
            }
            let text = std::str::from_utf8(item).map_err(|_| Malformed)?;
            u8::from_str_radix(text, 16)
                .map(GdbSignal)
                .map_err(|_| Malformed)
        })
        .collect()
}

/// Two hexadecimal digits.
fn decode_checksum(digits: &[u8]) -> Option<u8> {
    let text = std::str::from_utf8(digits).ok()?;
    if text.len() != 2 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u8::from_str_radix(text, 16).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    /// `$BODY#CS`.
    fn packet(body: &str) -> Vec<u8> {
        let sum = body.bytes().fold(0u8, |a, b| a.wrapping_add(b));
        format!("${body}#{sum:02x}").into_bytes()
    }

    /// What the layer makes of `chunks` read one after the other: the bytes gdbstub is
    /// handed, the layer's own replies, and the sets to apply — each reply or set shown
    /// in its place among the bytes as `<...>`.
    fn run(layer: &mut PassSignals, chunks: &[&[u8]]) -> String {
        let mut seen = Vec::new();
        for chunk in chunks.iter().chain([&&b""[..]]) {
            layer.received(chunk);
            loop {
                let mut reply = Vec::new();
                let byte = layer.next_byte(&mut reply);
                if !reply.is_empty() {
                    seen.extend_from_slice(b"<");
                    seen.extend_from_slice(&reply);
                    seen.extend_from_slice(b">");
                }
                if let Some(wanted) = layer.take_wanted() {
                    let numbers: Vec<String> = wanted.iter().map(|s| s.0.to_string()).collect();
                    seen.extend_from_slice(format!("<set {}>", numbers.join(",")).as_bytes());
                }
                match byte {
                    Some(byte) => seen.push(byte),
                    None => break,
                }
            }
        }
        String::from_utf8_lossy(&seen).into_owned()
    }

    fn check(input: &[u8], expected: &str) {
        let got = run(&mut PassSignals::default(), &[input]);
        assert_eq!(got, expected, "input {:?}", String::from_utf8_lossy(input));
    }

    #[test]
    fn other_bytes_reach_gdbstub_untouched() {
        let mut input = b"+-\x03".to_vec();
        for body in [
            "m7fff0000,40",
            "qSupported:multiprocess+;xmlRegisters=i386",
            "QPassSignal",
            "QPassSignals",
            "QPassSignalsX:1e",
            "qPassSignals:1e",
            "",
            "X1000,4:$#\x03}",
            "vCont;C1e:p1.-1",
        ] {
            input.extend(packet(body));
        }
        input.extend(b"garbage");
        check(&input, &String::from_utf8_lossy(&input));
    }

    #[test]
    fn pass_signals_is_answered_and_taken_out() {
        let mut input = packet("m0,1");
        input.extend(packet("QPassSignals:e;14;1e"));
        input.extend(packet("vCont;c"));
        let expected = format!(
            "{}<+$OK#9a><set 14,20,30>{}",
            String::from_utf8_lossy(&packet("m0,1")),
            String::from_utf8_lossy(&packet("vCont;c"))
        );
        check(&input, &expected);
        // However the reads split it.
        for at in 0..=input.len() {
            let (first, second) = input.split_at(at);
            let got = run(&mut PassSignals::default(), &[first, second]);
            assert_eq!(got, expected, "split at {at}");
        }
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(run(&mut PassSignals::default(), &bytes), expected);
    }

    #[test]
    fn an_empty_list_clears_the_set() {
        check(&packet("QPassSignals:"), "<+$OK#9a><set >");
    }

    #[test]
    fn malformed_lists_get_an_error_and_change_nothing() {
        for list in [
            ";", "1e;;", ";1e", "1e;;2", "xyz", "1g", "+1e", "-1", "100", "1e 2", "1E;\x03",
        ] {
            check(&packet(&format!("QPassSignals:{list}")), "<+$E01#a6>");
        }
        // Upper case and leading zeros are still numbers.
        check(&packet("QPassSignals:1E;0e"), "<+$OK#9a><set 30,14>");
        // What gdb 13 sends: every number followed by `;`, numbers Linux lacks included.
        check(
            &packet("QPassSignals:e;10;14;17;1a;1b;1c;1e;21;24;25;2c;4c;97;"),
            "<+$OK#9a><set 14,16,20,23,26,27,28,30,33,36,37,44,76,151>",
        );
    }

    #[test]
    fn a_bad_checksum_goes_to_gdbstub_as_it_came() {
        for input in [
            &b"$QPassSignals:1e#00"[..],
            b"$QPassSignals:1e#zz",
            b"$QPassSignals:1e#9g",
        ] {
            check(input, &String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn a_packet_too_long_for_gdbstub_goes_to_it() {
        let list = vec!["1e"; MAX_HELD / 2].join(";");
        let input = packet(&format!("QPassSignals:{list}"));
        check(&input, &String::from_utf8_lossy(&input));
    }

    #[test]
    fn without_acks_after_gdbstub_said_ok_to_no_ack_mode() {
        let mut layer = PassSignals::default();
        let ask = packet("QStartNoAckMode");
        assert_eq!(run(&mut layer, &[&ask]), String::from_utf8_lossy(&ask));
        let mut out = b"+$OK#9a".to_vec();
        layer.outgoing(&mut out);
        assert_eq!(out, b"+$OK#9a");
        let got = run(&mut layer, &[&packet("QPassSignals:1e")]);
        assert_eq!(got, "<$OK#9a><set 30>");
    }

    #[test]
    fn acks_stay_when_no_ack_mode_was_refused() {
        let mut layer = PassSignals::default();
        run(&mut layer, &[&packet("QStartNoAckMode")]);
        let mut out = b"+$#00".to_vec();
        layer.outgoing(&mut out);
        // A later `OK` is the reply to something else.
        let mut later = b"+$OK#9a".to_vec();
        layer.outgoing(&mut later);
        let got = run(&mut layer, &[&packet("QPassSignals:1e")]);
        assert_eq!(got, "<+$OK#9a><set 30>");
    }

    #[test]
    fn the_qsupported_reply_offers_the_packet() {
        let mut layer = PassSignals::default();
        run(
            &mut layer,
            &[&packet("qSupported:multiprocess+;xmlRegisters=i386")],
        );
        let mut out = b"+".to_vec();
        out.extend(packet("PacketSize=4000;vContSupported+;multiprocess+"));
        layer.outgoing(&mut out);
        let mut expected = b"+".to_vec();
        expected.extend(packet(
            "PacketSize=4000;vContSupported+;multiprocess+;QPassSignals+",
        ));
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&expected)
        );
        // Once: the next reply is left alone.
        let mut next = packet("PacketSize=4000");
        layer.outgoing(&mut next);
        assert_eq!(next, packet("PacketSize=4000"));
    }

    #[test]
    fn only_the_qsupported_reply_is_changed() {
        // Not asked for: a reply that looks like it is left alone.
        let mut layer = PassSignals::default();
        let mut out = packet("PacketSize=4000");
        layer.outgoing(&mut out);
        assert_eq!(out, packet("PacketSize=4000"));
        // Asked for, but gdbstub answered otherwise (an error): left alone, and forgotten.
        run(&mut layer, &[&packet("qSupported")]);
        let mut error = b"+$E01#a6".to_vec();
        layer.outgoing(&mut error);
        assert_eq!(error, b"+$E01#a6");
        let mut out = packet("PacketSize=4000");
        layer.outgoing(&mut out);
        assert_eq!(out, packet("PacketSize=4000"));
        // A bare ack flushed first (a resume's) is not the reply.
        run(&mut layer, &[&packet("qSupported")]);
        let mut ack = b"+".to_vec();
        layer.outgoing(&mut ack);
        assert_eq!(ack, b"+");
        let mut out = packet("PacketSize=4000");
        layer.outgoing(&mut out);
        assert_eq!(out, packet("PacketSize=4000;QPassSignals+"));
    }

    #[test]
    fn ctrl_c_bytes_can_be_taken_out_around_events() {
        let mut layer = PassSignals::default();
        let mut input = packet("QPassSignals:1e");
        input.extend(b"\x03");
        input.extend(packet("?"));
        layer.received(&input);
        assert!(layer.has_byte(CTRL_C));
        layer.drop_bytes(CTRL_C);
        assert!(!layer.has_byte(CTRL_C));
        assert_eq!(run(&mut layer, &[]), "<+$OK#9a><set 30>$?#3f");
    }

    /// The link's interrupt byte.
    const CTRL_C: u8 = 0x03;
}
