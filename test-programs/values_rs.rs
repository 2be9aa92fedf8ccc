//! Rust values of every kind a debugger prints: integers, floats, chars, strings, vectors,
//! slices, arrays, tuples, structs, enums (C-like, with data, niche-optimised `Option`s,
//! `Result`), boxes, `Rc`, `Arc`, hash maps and sets, a `BTreeMap` and references, all live
//! in `main` while it calls `checkpoint`. Before that it prints `name={:?}` for each one, so
//! that a test can compare what the debugger prints with what Rust's `Debug` shows.

// The fields are read by the derived `Debug` impls only, which dead-code analysis ignores.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hint::black_box;
use std::rc::Rc;
use std::sync::Arc;

#[derive(Debug)]
struct Point {
    x: i32,
    y: i32,
}

#[derive(Debug)]
struct Meters(f64, u8);

#[derive(Debug)]
struct Unit;

#[derive(Debug)]
struct Line {
    from: Point,
    to: Point,
    label: &'static str,
}

#[derive(Debug)]
enum Color {
    Red,
    Green,
    Blue,
}

#[derive(Debug)]
enum Shape {
    Circle { radius: f32 },
    Rect(i32, i32),
    Empty,
}

/// Where the debugger stops: every value of `main` is live here.
#[inline(never)]
fn checkpoint() {
    black_box(());
}

/// Prints `name=VALUE` with the value's `Debug` text.
macro_rules! show {
    ($($name:ident),* $(,)?) => {
        $(println!(concat!(stringify!($name), "={:?}"), $name);)*
    };
}

fn main() {
    let small: i8 = -5;
    let short: i16 = -300;
    let int: i32 = 123_456;
    let long: i64 = -9_000_000_000;
    let wide: i128 = -170_141_183_460_469_231_731_687_303_715_884_105_728;
    let size: isize = -42;
    let byte: u8 = 200;
    let half: u16 = 65_000;
    let word: u32 = 4_000_000_000;
    let quad: u64 = 18_000_000_000_000_000_000;
    let huge: u128 = 340_282_366_920_938_463_463_374_607_431_768_211_455;
    let usz: usize = 7;
    let ratio: f32 = 1.5;
    let pi: f64 = std::f64::consts::PI;
    let third: f64 = 1.0 / 3.0;
    let whole: f64 = 2.0;
    let yes = true;
    let no = false;
    let letter = 'a';
    let accented = 'é';
    let crab = '🦀';
    let quote = '\'';
    let text: &str = "hello";
    let escaped: &str = "tab\there \"q\" \\ nl\n";
    let owned = String::from("owned text");
    let unicode = String::from("grüße, 世界");
    let empty_string = String::new();
    let numbers: Vec<i32> = vec![1, 2, 3];
    let empty_vec: Vec<i32> = Vec::new();
    let words: Vec<String> = vec![String::from("one"), String::from("two")];
    let bytes_array = [1u8, 2, 255];
    let bytes: &[u8] = &bytes_array;
    let array: [i32; 4] = [10, 20, 30, 40];
    let pair = (1, "two");
    let triple = (1u8, -2i64, 'c');
    let unit_value = ();
    let point = Point { x: 1, y: 2 };
    let meters = Meters(2.5, 3);
    let unit = Unit;
    let line = Line {
        from: Point { x: 0, y: 0 },
        to: Point { x: 3, y: -4 },
        label: "diagonal",
    };
    let color = Color::Green;
    let circle = Shape::Circle { radius: 0.5 };
    let rect = Shape::Rect(3, 4);
    let nothing = Shape::Empty;
    let some: Option<i32> = Some(5);
    let none: Option<i32> = None;
    let some_str: Option<&str> = Some("hi");
    let none_str: Option<&str> = None;
    let some_box: Option<Box<i32>> = Some(Box::new(9));
    let none_box: Option<Box<i32>> = None;
    let ok: Result<i32, String> = Ok(7);
    let err: Result<i32, String> = Err(String::from("bad"));
    let boxed: Box<i32> = Box::new(42);
    let boxed_point: Box<Point> = Box::new(Point { x: 5, y: 6 });
    let shared: Rc<String> = Rc::new(String::from("shared"));
    let atomic: Arc<Vec<i32>> = Arc::new(vec![4, 5]);
    let mut map: HashMap<String, i32> = HashMap::new();
    map.insert(String::from("a"), 1);
    map.insert(String::from("b"), 2);
    map.insert(String::from("c"), 3);
    let empty_map: HashMap<String, i32> = HashMap::new();
    let mut set: HashSet<i32> = HashSet::new();
    set.insert(8);
    set.insert(9);
    let mut tree: BTreeMap<i32, &str> = BTreeMap::new();
    tree.insert(2, "two");
    tree.insert(1, "one");
    tree.insert(3, "three");
    let mut big_tree: BTreeMap<i32, i32> = BTreeMap::new();
    for i in 0..30 {
        big_tree.insert(i, i * i);
    }
    let reference: &i32 = &int;
    let mut counter = 3;
    let mutable: &mut i32 = &mut counter;
    let point_ref: &Point = &point;
    let nested: Vec<Vec<i32>> = vec![vec![1], vec![2, 3]];
    let optional_point: Option<Point> = Some(Point { x: 7, y: 8 });
    show!(
        small, short, int, long, wide, size, byte, half, word, quad, huge, usz, ratio, pi,
        third, whole, yes, no, letter, accented, crab, quote, text, escaped, owned, unicode,
        empty_string, numbers, empty_vec, words, bytes, array, pair, triple, unit_value, point,
        meters, unit, line, color, circle, rect, nothing, some, none, some_str, none_str,
        some_box, none_box, ok, err, boxed, boxed_point, shared, atomic, map, empty_map, set,
        tree, big_tree, reference, mutable, point_ref, nested, optional_point,
    );
    checkpoint();
    black_box((
        &small, &short, &int, &long, &wide, &size, &byte, &half, &word, &quad, &huge, &usz,
        &ratio, &pi, &third, &whole, &yes, &no, &letter, &accented, &crab, &quote, &text,
    ));
    black_box((
        &escaped, &owned, &unicode, &empty_string, &numbers, &empty_vec, &words, &bytes,
        &array, &pair, &triple, &unit_value, &point, &meters, &unit, &line, &color, &circle,
        &rect, &nothing, &some, &none, &some_str, &none_str,
    ));
    black_box((
        &some_box, &none_box, &ok, &err, &boxed, &boxed_point, &shared, &atomic, &map,
        &empty_map, &set, &tree, &big_tree, &reference, &mutable, &point_ref, &nested,
        &optional_point,
    ));
}
