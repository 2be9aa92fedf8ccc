//! Panics in a function `main` calls: the DAP server's `rust_panic` exception filter stops
//! there. Lines marked `// L:name` are found by tests through the marker.

#[inline(never)]
fn check(value: i32) -> i32 {
    if value > 2 {
        panic!("value {value} is too big"); // L:panic
    }
    value
}

fn main() {
    let value = std::hint::black_box(3);
    println!("checking {}", check(value));
}
