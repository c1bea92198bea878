//! The scenario table as Markdown, for README.md: generated from the table, so the README cannot
//! promise a count the tests do not check.

use super::{Scenario, table};

/// The README's table: one row per scenario, with the exact expectation and why.
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| scenario | set-up | requests | connections | requests per connection | why |\n\
         |---|---|---:|---:|---|---|\n",
    );
    for scenario in table() {
        out.push_str(&row(&scenario));
    }
    out
}

fn row(scenario: &Scenario) -> String {
    let expected = scenario.expected_report();
    format!(
        "| `{}` | {} | {} | {} | {:?} | {} |\n",
        scenario.name,
        if scenario.variant.is_empty() {
            format!("{} runtime", scenario.runtime)
        } else {
            format!("{}; {} runtime", scenario.variant, scenario.runtime)
        },
        scenario.client_requests(),
        expected.accepted,
        expected.requests_per_connection,
        scenario.why,
    )
}
