//! The test functions of a Rust source file, found by a small lexer instead of a parser: what
//! `matrix.rs`'s drift check needs is each top-level `#[test]`/`#[tokio::test]` function's name,
//! the identifiers its body uses, with comments and literals out of the way, and the cases an
//! `#[rstest]` function runs (`rstest_cases.rs`). (The check used
//! to parse with syn; a second syn, with `full`, cost the contributor's cold build about 4 s of
//! CPU for this one test.)

use std::collections::HashSet;

use crate::rstest_cases::{case_arguments, cases};

/// One top-level test function: its name, the identifiers in its body, and its rstest cases.
#[derive(Debug)]
pub struct TestFunction {
    pub name: String,
    pub body_identifiers: HashSet<String>,
    /// Each case's arguments as written (`64 * KIB`), in the order of the parameters: every
    /// `#[case(…)]` with every combination of `#[values(…)]`. One empty case for a plain test.
    pub cases: Vec<Vec<String>>,
}

impl TestFunction {
    /// Whether this test is named `family` and its body calls it.
    pub fn checks(&self, family: &str) -> bool {
        self.name == family && self.body_identifiers.contains(family)
    }
}

/// Every top-level function in `source` carrying an attribute whose path ends in `test` or is
/// `rstest` (`#[test]`, `#[tokio::test(…)]`, `#[rstest]`, which makes a test of each case). Functions inside other items (`mod`, `impl`) are not
/// looked at, as the integration tests have none.
pub fn test_functions(source: &str) -> Vec<TestFunction> {
    let tokens = tokens(source);
    let mut found = Vec::new();
    let mut test_attribute_pending = false;
    let mut rstest_cases: Vec<Vec<String>> = Vec::new();
    let mut at = 0;
    while at < tokens.len() {
        match &tokens[at] {
            Token::Punct('#') if tokens.get(at + 1) == Some(&Token::Punct('[')) => {
                let end = matching(&tokens, at + 1);
                let attribute = &tokens[at + 2..end];
                test_attribute_pending |= is_test_attribute(attribute);
                if let Some(arguments) = case_arguments(attribute) {
                    rstest_cases.push(arguments);
                }
                at = end + 1;
            }
            Token::Ident(keyword) if keyword == "fn" => {
                let Some(Token::Ident(name)) = tokens.get(at + 1) else {
                    at += 1;
                    continue;
                };
                let Some(open) = (at..tokens.len()).find(|&i| tokens[i] == Token::Punct('{'))
                else {
                    break;
                };
                let close = matching(&tokens, open);
                if test_attribute_pending {
                    found.push(TestFunction {
                        name: name.clone(),
                        body_identifiers: identifiers(&tokens[open..close]),
                        cases: cases(&tokens[at + 2..open], std::mem::take(&mut rstest_cases)),
                    });
                }
                test_attribute_pending = false;
                rstest_cases.clear();
                at = close + 1;
            }
            Token::Punct('{') => {
                test_attribute_pending = false;
                at = matching(&tokens, at) + 1;
            }
            Token::Punct(';') => {
                test_attribute_pending = false;
                rstest_cases.clear();
                at += 1;
            }
            _ => at += 1,
        }
    }
    found
}

#[derive(Debug, PartialEq)]
pub(crate) enum Token {
    Ident(String),
    Number(String),
    Punct(char),
}

impl std::fmt::Display for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Token::Ident(text) | Token::Number(text) => f.write_str(text),
            Token::Punct(c) => write!(f, "{c}"),
        }
    }
}

/// The identifiers and punctuation of `source`; comments, whitespace and literals (strings, raw
/// strings, byte strings, characters, numbers) leave nothing behind, and a lifetime leaves its
/// name.
fn tokens(source: &str) -> Vec<Token> {
    let chars: Vec<char> = source.chars().collect();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let c = chars[at];
        let next = chars.get(at + 1).copied();
        if c.is_whitespace() {
            at += 1;
        } else if c == '/' && next == Some('/') {
            while at < chars.len() && chars[at] != '\n' {
                at += 1;
            }
        } else if c == '/' && next == Some('*') {
            at = after_block_comment(&chars, at);
        } else if c == '"' {
            at = after_quoted(&chars, at, '"');
        } else if c == '\'' {
            at = after_char_or_lifetime_quote(&chars, at);
        } else if c.is_ascii_digit() {
            let start = at;
            while at < chars.len() && (chars[at].is_alphanumeric() || chars[at] == '_') {
                at += 1;
            }
            tokens.push(Token::Number(chars[start..at].iter().collect()));
        } else if c.is_alphabetic() || c == '_' {
            let start = at;
            while at < chars.len() && (chars[at].is_alphanumeric() || chars[at] == '_') {
                at += 1;
            }
            let word: String = chars[start..at].iter().collect();
            match (word.as_str(), chars.get(at)) {
                ("r" | "br" | "cr", Some('"' | '#')) if is_raw_string(&chars, at) => {
                    at = after_raw_string(&chars, at);
                }
                ("b" | "c", Some('"')) => at = after_quoted(&chars, at, '"'),
                ("b", Some('\'')) => at = after_quoted(&chars, at, '\''),
                // A raw identifier, `r#name`: the name follows.
                ("r", Some('#')) => at += 1,
                _ => tokens.push(Token::Ident(word)),
            }
        } else {
            tokens.push(Token::Punct(c));
            at += 1;
        }
    }
    tokens
}

/// Past a block comment starting at `at`; block comments nest.
fn after_block_comment(chars: &[char], mut at: usize) -> usize {
    let mut depth = 0;
    while at < chars.len() {
        if chars[at] == '/' && chars.get(at + 1) == Some(&'*') {
            depth += 1;
            at += 2;
        } else if chars[at] == '*' && chars.get(at + 1) == Some(&'/') {
            depth -= 1;
            at += 2;
            if depth == 0 {
                return at;
            }
        } else {
            at += 1;
        }
    }
    at
}

/// Past a literal opened by `quote` at `at`, backslash escapes skipped.
fn after_quoted(chars: &[char], mut at: usize, quote: char) -> usize {
    at += 1;
    while at < chars.len() && chars[at] != quote {
        at += if chars[at] == '\\' { 2 } else { 1 };
    }
    at + 1
}

/// `'` opens a character literal (`'x'`, `'\n'`) or a lifetime (`'a`): past the literal, or past
/// the quote alone so the lifetime's name lexes as an identifier.
fn after_char_or_lifetime_quote(chars: &[char], at: usize) -> usize {
    match (chars.get(at + 1), chars.get(at + 2)) {
        (Some('\\'), _) => after_quoted(chars, at, '\''),
        (Some(_), Some('\'')) => at + 3,
        _ => at + 1,
    }
}

/// Whether `#`s then `"` start at `at` (after an `r`, `br` or `cr`).
fn is_raw_string(chars: &[char], mut at: usize) -> bool {
    while chars.get(at) == Some(&'#') {
        at += 1;
    }
    chars.get(at) == Some(&'"')
}

/// Past a raw string whose `#`s start at `at`: it ends at `"` followed by as many `#`s.
fn after_raw_string(chars: &[char], mut at: usize) -> usize {
    let mut hashes = 0;
    while chars[at] == '#' {
        hashes += 1;
        at += 1;
    }
    at += 1;
    while at < chars.len() {
        if chars[at] == '"' && (1..=hashes).all(|i| chars.get(at + i) == Some(&'#')) {
            return at + 1 + hashes;
        }
        at += 1;
    }
    at
}

/// The index of the bracket closing the one at `open` (or the end, for unbalanced input).
pub(crate) fn matching(tokens: &[Token], open: usize) -> usize {
    let (opening, closing) = match tokens[open] {
        Token::Punct('[') => ('[', ']'),
        Token::Punct('(') => ('(', ')'),
        _ => ('{', '}'),
    };
    let mut depth = 0;
    for (at, token) in tokens.iter().enumerate().skip(open) {
        if *token == Token::Punct(opening) {
            depth += 1;
        } else if *token == Token::Punct(closing) {
            depth -= 1;
            if depth == 0 {
                return at;
            }
        }
    }
    tokens.len()
}

/// Whether an attribute's tokens (inside `#[…]`) name a path ending in `test`.
fn is_test_attribute(attribute: &[Token]) -> bool {
    let mut last_segment = None;
    let mut at = 0;
    while let Some(Token::Ident(segment)) = attribute.get(at) {
        last_segment = Some(segment);
        let colons = attribute.get(at + 1) == Some(&Token::Punct(':'))
            && attribute.get(at + 2) == Some(&Token::Punct(':'));
        if !colons {
            break;
        }
        at += 3;
    }
    last_segment.is_some_and(|segment| segment == "test" || segment == "rstest")
}

fn identifiers(tokens: &[Token]) -> HashSet<String> {
    tokens
        .iter()
        .filter_map(|token| match token {
            Token::Ident(ident) => Some(ident.clone()),
            Token::Number(_) | Token::Punct(_) => None,
        })
        .collect()
}

#[test]
fn test_functions_are_found_with_the_identifiers_their_bodies_use() {
    let source = r###"
        //! A module doc naming fake_in_doc.
        #![cfg(feature = "scenarios")]
        use keepalive_probe::scenario;

        // #[test] fn in_a_line_comment() { family_in_comment() }
        /* #[test] fn in_a /* nested */ block_comment() {} */
        #[test]
        fn plain() {
            let text = "fn in_a_string() { \" uncalled_in_string }";
            let raw = r#"uncalled_in_raw " still raw"#;
            let bytes = b"uncalled_in_bytes";
            let chars = ['{', '\'', '"'];
            called(text, raw, bytes, chars, 0x1f_u8);
        }

        /// Doc with `fake_in_doc_comment()`.
        #[tokio::test(flavor = "multi_thread")]
        async fn on_tokio<'a>() -> Result<(), &'a str> {
            scenario::families::on_tokio();
            Ok(())
        }

        #[cfg(test)]
        fn not_a_test() { not_a_test() }

        fn helper() { helper_body() }

        #[derive(Debug)]
        struct Shape { field: u8 }

        #[test]
        fn after_an_item() { r#type(1..2) }
    "###;
    let found = test_functions(source);
    let names: Vec<&str> = found.iter().map(|test| test.name.as_str()).collect();
    assert_eq!(names, ["plain", "on_tokio", "after_an_item"]);
    let mut plain: Vec<&str> = found[0]
        .body_identifiers
        .iter()
        .map(String::as_str)
        .collect();
    plain.sort_unstable();
    assert_eq!(
        plain,
        ["bytes", "called", "chars", "let", "raw", "text"],
        "literals and comments leave no identifier"
    );
    assert!(found[1].checks("on_tokio"), "a test that calls its family");
    assert!(!found[0].checks("called"), "a call is not a name");
    assert!(found[2].body_identifiers.contains("type"));
}
