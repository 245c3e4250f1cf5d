//! Comparing people's names the way SIECLE does (CHECKS.md, "Comparing names").

/// Normalises a name for comparison: upper case, accents removed (Œ stays Œ), hyphens and
/// apostrophes turned into spaces, runs of spaces folded to one, trimmed.
pub fn normalize_name(name: &str) -> String {
    let mut folded = String::with_capacity(name.len());
    for character in name.chars().flat_map(char::to_uppercase) {
        let plain = match character {
            'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'A',
            'Ç' => 'C',
            'È' | 'É' | 'Ê' | 'Ë' => 'E',
            'Ì' | 'Í' | 'Î' | 'Ï' => 'I',
            'Ñ' => 'N',
            'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' => 'O',
            'Ù' | 'Ú' | 'Û' | 'Ü' => 'U',
            'Ý' | 'Ÿ' => 'Y',
            '-' | '\'' | '’' | '\u{2010}' | '\u{2011}' => ' ',
            other if other.is_whitespace() => ' ',
            other => other,
        };
        if plain == ' ' && (folded.is_empty() || folded.ends_with(' ')) {
            continue;
        }
        folded.push(plain);
    }
    while folded.ends_with(' ') {
        folded.pop();
    }
    folded
}

/// True when two names are the same once normalised.
pub fn same_name(a: &str, b: &str) -> bool {
    normalize_name(a) == normalize_name(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_accents_hyphens_and_spaces() {
        assert_eq!(normalize_name("  Jean-Noël  d'Arc "), "JEAN NOEL D ARC");
        assert_eq!(normalize_name("cœur"), "CŒUR");
        assert!(same_name("LÉVÊQUE", "leveque"));
        assert!(!same_name("Léa", "Léo"));
    }
}
