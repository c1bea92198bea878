//! The cases an `#[rstest]` test function runs, read from its attributes and signature as the
//! lexer of `test_functions.rs` tokenised them: each case's arguments as written, in parameter
//! order, so a drift check can build the scenario each case tests.

use crate::test_functions::{Token, matching};

/// An rstest case attribute's arguments (`case(…)`, `case::name(…)`), each as written; `None`
/// for any other attribute, and for a parameter's bare `#[case]`.
pub(crate) fn case_arguments(attribute: &[Token]) -> Option<Vec<String>> {
    if attribute.first() != Some(&Token::Ident("case".to_owned())) {
        return None;
    }
    let open = attribute.iter().position(|t| *t == Token::Punct('('))?;
    Some(split_arguments(
        &attribute[open..=matching(attribute, open)],
    ))
}

/// `(a, b * c)` → `["a", "b * c"]`: the arguments inside a bracketed list, split at its own
/// commas.
fn split_arguments(list: &[Token]) -> Vec<String> {
    let mut arguments = vec![Vec::new()];
    let mut depth = 0;
    for token in &list[1..list.len() - 1] {
        match token {
            Token::Punct('(' | '[' | '{') => depth += 1,
            Token::Punct(')' | ']' | '}') => depth -= 1,
            Token::Punct(',') if depth == 0 => {
                arguments.push(Vec::new());
                continue;
            }
            _ => {}
        }
        arguments
            .last_mut()
            .expect("one argument at least")
            .push(token.to_string());
    }
    arguments.retain(|argument| !argument.is_empty());
    arguments
        .into_iter()
        .map(|argument| argument.join(" "))
        .collect()
}

/// Every case a test function runs, from its signature (`name(…) -> …`) and its rstest case
/// attributes: the parameters marked `#[case]` take each case's arguments in turn, and each
/// `#[values(…)]` parameter multiplies the cases by its values.
pub(crate) fn cases(signature: &[Token], rstest_cases: Vec<Vec<String>>) -> Vec<Vec<String>> {
    let Some(open) = signature.iter().position(|t| *t == Token::Punct('(')) else {
        return vec![Vec::new()];
    };
    // Each parameter: its values, or None for a `#[case]` one.
    let mut parameters: Vec<Option<Vec<String>>> = Vec::new();
    let close = matching(signature, open);
    let mut at = open + 1;
    while at < close {
        if signature[at] == Token::Punct('#') {
            let end = matching(signature, at + 1);
            let attribute = &signature[at + 2..end];
            match attribute.first() {
                Some(Token::Ident(name)) if name == "case" => parameters.push(None),
                Some(Token::Ident(name)) if name == "values" => {
                    parameters.push(Some(split_arguments(&attribute[1..])));
                }
                _ => {}
            }
            at = end + 1;
        } else {
            at += 1;
        }
    }
    let rstest_cases = if rstest_cases.is_empty() {
        vec![Vec::new()]
    } else {
        rstest_cases
    };
    // Each case's arguments in parameter order: a `#[case]` parameter takes its case's next
    // argument, a `#[values]` one each of its values in turn.
    let mut all: Vec<Vec<String>> = Vec::new();
    for case in rstest_cases {
        let mut built = vec![Vec::new()];
        let mut case_arguments = case.iter();
        for parameter in &parameters {
            let choices = match parameter {
                None => case_arguments.next().cloned().into_iter().collect(),
                Some(values) => values.clone(),
            };
            built = built
                .into_iter()
                .flat_map(|prefix: Vec<String>| {
                    choices.iter().map(move |choice| {
                        let mut arguments = prefix.clone();
                        arguments.push(choice.clone());
                        arguments
                    })
                })
                .collect();
        }
        all.extend(built);
    }
    all
}

#[test]
fn rstest_cases_multiply_by_values_in_parameter_order() {
    let source = r#"
        #[rstest]
        #[case::empty(0)]
        #[case::one_mib(MIB, "label, with a comma")]
        #[tokio::test(flavor = "current_thread")]
        async fn grid(
            #[values(Unread, FirstChunk)] consume: Consume,
            #[case] body_bytes: usize,
            #[values(1, 2 * KIB)] requests: usize,
        ) {}

        #[test]
        fn plain() {}
    "#;
    let found = crate::test_functions::test_functions(source);
    let grid: Vec<String> = found[0].cases.iter().map(|case| case.join(" | ")).collect();
    assert_eq!(
        grid,
        [
            "Unread | 0 | 1",
            "Unread | 0 | 2 * KIB",
            "FirstChunk | 0 | 1",
            "FirstChunk | 0 | 2 * KIB",
            "Unread | MIB | 1",
            "Unread | MIB | 2 * KIB",
            "FirstChunk | MIB | 1",
            "FirstChunk | MIB | 2 * KIB",
        ]
    );
    assert_eq!(
        found[1].cases,
        [Vec::<String>::new()],
        "a plain test is one case"
    );
}
