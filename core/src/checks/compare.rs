//! Comparing codes of structures, subjects and teachers (CHECKS.md, "Comparing codes").
//!
//! Codes match exactly once surrounding white space is trimmed, case included. When a code
//! is missing but one differing only in case or inner spaces exists, messages say so, because
//! `3A` typed for `3 A` is the usual cause.

use std::collections::{BTreeMap, BTreeSet};

/// A code as compared: surrounding white space trimmed.
pub fn trimmed(code: &str) -> &str {
    code.trim()
}

/// The loose form of a code: upper case, without any white space.
fn loose(code: &str) -> String {
    code.chars()
        .filter(|character| !character.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// The codes of one namespace (divisions, groups, subjects or teachers of one file).
#[derive(Clone, Debug, Default)]
pub struct CodeSet {
    exact: BTreeSet<String>,
    by_loose: BTreeMap<String, BTreeSet<String>>,
}

impl CodeSet {
    /// The set of these codes (trimmed; blank codes are left out).
    pub fn new<'a>(codes: impl IntoIterator<Item = &'a str>) -> Self {
        let mut set = CodeSet::default();
        for code in codes {
            let code = trimmed(code);
            if code.is_empty() {
                continue;
            }
            set.exact.insert(code.to_string());
            set.by_loose
                .entry(loose(code))
                .or_default()
                .insert(code.to_string());
        }
        set
    }

    /// True when the code (trimmed) is in the set.
    pub fn contains(&self, code: &str) -> bool {
        self.exact.contains(trimmed(code))
    }

    /// The known code that differs from a missing one only in case or spaces, if any.
    pub fn near(&self, code: &str) -> Option<&str> {
        let code = trimmed(code);
        self.by_loose
            .get(&loose(code))?
            .iter()
            .find(|known| known.as_str() != code)
            .map(String::as_str)
    }

    /// ` ; vouliez-vous dire « 3 A » ?` when a near code exists, else nothing.
    pub fn hint(&self, code: &str) -> String {
        match self.near(code) {
            Some(known) => format!(" ; vouliez-vous dire « {known} » ?"),
            None => String::new(),
        }
    }

    /// The codes, sorted.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.exact.iter().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_exactly_after_trimming_and_hint_near_misses() {
        let set = CodeSet::new(["3 A", " 4B ", "", "5c"]);
        assert!(set.contains("3 A"));
        assert!(set.contains(" 4B"));
        assert!(!set.contains("3A"), "case and inner spaces matter");
        assert!(!set.contains("5C"));
        assert_eq!(set.near("3A"), Some("3 A"));
        assert_eq!(set.near("5 C"), Some("5c"));
        assert_eq!(set.near("6 A"), None);
        assert_eq!(set.hint("3a"), " ; vouliez-vous dire « 3 A » ?");
        assert_eq!(set.hint("6 A"), "");
        assert_eq!(set.iter().collect::<Vec<_>>(), ["3 A", "4B", "5c"]);
    }
}
