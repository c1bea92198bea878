//! The scenario table is the one source of truth: the integration tests, `keepalive-probe matrix`
//! and README.md's table all come from it. These tests keep the three from drifting apart.
#![cfg(feature = "scenarios")]

use std::collections::HashSet;

use keepalive_probe::scenario::{markdown_table, table};
use pretty_assertions::assert_eq;

/// The matrix covers at least thirty distinct scenarios; no two rows are the same instance.
#[test]
fn table_holds_thirty_or_more_distinct_scenarios() {
    let titles: Vec<String> = table().iter().map(|s| s.title()).collect();
    let distinct: HashSet<&String> = titles.iter().collect();
    assert_eq!(distinct.len(), titles.len(), "duplicate scenario titles");
    assert!(titles.len() >= 30, "only {} scenarios", titles.len());
}

/// Every family in the table has an integration test named after it — a `#[test]`, `#[rstest]`
/// or `#[tokio::test]` function of that name, or an rstest `#[case::NAME(…)]` — that calls the
/// family. The sources are parsed as Rust, so a test deleted with its name left in a comment or
/// a string does not count.
#[test]
fn every_scenario_has_an_integration_test_of_the_same_name() {
    let tests = scenario_tests();
    let missing: Vec<&str> = table()
        .iter()
        .map(|s| s.name)
        .filter(|name| !tests.iter().any(|test| test.checks(name)))
        .collect();
    assert_eq!(missing, Vec::<&str>::new(), "families without a test");
}

/// One test function of tests/: the names it answers to and the identifiers it uses.
struct TestFunction {
    names: Vec<String>,
    identifiers: HashSet<String>,
}

impl TestFunction {
    /// Whether this test is named `family` and calls it.
    fn checks(&self, family: &str) -> bool {
        self.names.iter().any(|name| name == family) && self.identifiers.contains(family)
    }
}

/// Every test function in the suite's modules (`tests/suite/*.rs`) and the binaries of their own
/// (`tests/*.rs`: the HTTPS rows are tested in `tests/tls.rs`).
fn scenario_tests() -> Vec<TestFunction> {
    let mut tests = Vec::new();
    for dir in ["tests", "tests/suite"] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        for entry in std::fs::read_dir(&dir).expect("the test directory is readable") {
            let path = entry.expect("a directory entry").path();
            if path.extension().is_none_or(|ext| ext != "rs") {
                continue;
            }
            let source = std::fs::read_to_string(&path).expect("test sources are UTF-8 text");
            let file = syn::parse_file(&source)
                .unwrap_or_else(|error| panic!("{} does not parse: {error}", path.display()));
            tests.extend(file.items.iter().filter_map(test_function));
        }
    }
    tests
}

fn test_function(item: &syn::Item) -> Option<TestFunction> {
    let syn::Item::Fn(function) = item else {
        return None;
    };
    let is_test = function.attrs.iter().any(|attr| {
        let path = attr.path();
        path.is_ident("test")
            || path.is_ident("rstest")
            || path.segments.last().is_some_and(|s| s.ident == "test")
    });
    if !is_test {
        return None;
    }
    let mut names = vec![function.sig.ident.to_string()];
    names.extend(function.attrs.iter().filter_map(|attr| {
        let segments = &attr.path().segments;
        (segments.len() == 2 && segments[0].ident == "case").then(|| segments[1].ident.to_string())
    }));
    let mut identifiers = HashSet::new();
    collect_identifiers(quote_tokens(function), &mut identifiers);
    Some(TestFunction { names, identifiers })
}

fn quote_tokens(function: &syn::ItemFn) -> proc_macro2::TokenStream {
    use quote::ToTokens;
    function.to_token_stream()
}

fn collect_identifiers(tokens: proc_macro2::TokenStream, into: &mut HashSet<String>) {
    for token in tokens {
        match token {
            proc_macro2::TokenTree::Ident(ident) => {
                into.insert(ident.to_string());
            }
            proc_macro2::TokenTree::Group(group) => collect_identifiers(group.stream(), into),
            _ => {}
        }
    }
}

/// README.md's scenario table is exactly what `keepalive-probe matrix --markdown` prints.
#[test]
fn readme_table_is_generated_from_the_scenario_table() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md is readable");
    assert!(
        readme.contains(&markdown_table()),
        "README.md's table is stale: regenerate it with `cargo run -- matrix --markdown`"
    );
}
