//! A program with a dozen big dependencies, each used a little, so that its debug build is a
//! large binary (80 MB or more, most of it DWARF): `cargo xtask bench` times dbg-cli and gdb
//! stopping at `bigbin::main` in it (rows p and q; t and u also step over line 54 and print
//! `args`, main's local, so keep `--draws`'s default of 3). Run normally it finishes at once,
//! without network or files, and prints one JSON line and `bigbin done`.

use axum::{extract::Path, routing::get, Json, Router};
use clap::Parser;
use rand::{rngs::StdRng, RngExt, SeedableRng};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

#[derive(Debug, Parser)]
#[command(
    name = "bigbin",
    about = "Uses each of its dependencies a little, then exits"
)]
struct Args {
    /// How many numbers to draw from the seeded generator.
    #[arg(long, default_value_t = 3)]
    draws: usize,
    /// The name the HTTP route greets.
    #[arg(long, default_value = "dbg")]
    name: String,
}

/// What the program found, printed as one JSON line.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Summary {
    greeting: String,
    status: u16,
    parsed_items: usize,
    idents: Vec<String>,
    numbers: Vec<u64>,
    draws: Vec<u32>,
    date: String,
    config_jobs: i64,
    yaml_keys: usize,
    url_host: String,
    request: String,
    id: String,
    digest: String,
}

#[derive(Debug, Deserialize)]
struct Config {
    jobs: i64,
}

const SOURCE: &str = "fn answer() -> u32 { 42 } struct Point { x: i32, y: i32 }";
const TEXT: &str = "dbg stops 100000 times at 3 breakpoints in 8 threads";

fn main() {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
        .with_writer(std::io::stderr)
        .init();
    tracing::info!(draws = args.draws, "starting");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread tokio runtime");
    let (status, greeting) = runtime.block_on(greet(&args.name));

    let file = syn::parse_file(SOURCE).expect("SOURCE is Rust");
    let idents = file
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Fn(function) => Some(function.sig.ident.to_string()),
            syn::Item::Struct(structure) => Some(structure.ident.to_string()),
            _ => None,
        })
        .collect();
    let tokens = quote::quote!(#file).to_string();

    let numbers = regex::Regex::new(r"\d+")
        .expect("a valid regex")
        .find_iter(TEXT)
        .filter_map(|found| found.as_str().parse().ok())
        .collect();

    let mut rng = StdRng::seed_from_u64(7);
    let draws = (0..args.draws).map(|_| rng.random_range(1..=6)).collect();

    let date = chrono::NaiveDate::from_ymd_opt(2024, 2, 29)
        .expect("a leap day")
        .format("%A %-d %B %Y")
        .to_string();
    let config: Config = toml::from_str("jobs = 8").expect("valid TOML");
    let yaml: serde_yaml::Mapping = serde_yaml::from_str("a: 1\nb: [2, 3]\n").expect("valid YAML");
    let url = url::Url::parse("https://example.invalid/debug?symbols=yes").expect("a valid URL");
    let request = reqwest::Client::builder()
        .build()
        .expect("a client without TLS")
        .get(url.clone())
        .build()
        .expect("a GET request");

    let summary = Summary {
        greeting,
        status,
        parsed_items: file.items.len(),
        idents,
        numbers,
        draws,
        date,
        config_jobs: config.jobs,
        yaml_keys: yaml.len(),
        url_host: url.host_str().unwrap_or_default().to_string(),
        request: format!("{} {}", request.method(), request.url()),
        id: uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, url.as_str().as_bytes()).to_string(),
        digest: Sha256::digest(tokens.as_bytes())
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect(),
    };
    let json = serde_json::to_string(&summary).expect("a summary serializes");
    let back: Summary = serde_json::from_str(&json).expect("a summary deserializes");
    assert_eq!(back, summary);
    println!("{json}");
    println!("bigbin done");
}

/// Build an axum router (with hyper's types underneath) and send it one request in memory:
/// no socket, no server.
async fn greet(name: &str) -> (u16, String) {
    let app = Router::new().route(
        "/hello/{name}",
        get(|Path(name): Path<String>| async move { Json(format!("hello, {name}")) }),
    );
    let request = hyper::Request::get(format!("/hello/{name}"))
        .body(axum::body::Body::empty())
        .expect("a valid request");
    let response = app.oneshot(request).await.expect("the router answers");
    let status = response.status().as_u16();
    let body = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .expect("a small body");
    let greeting = serde_json::from_slice(&body).expect("a JSON string");
    (status, greeting)
}
