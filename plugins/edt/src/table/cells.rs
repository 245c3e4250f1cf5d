//! The syntax inside the cells of EDT's list exports (LIENS_ET_EDT.md §13).

use passerelle_core::names::normalize_name;

/// Multi-valued cells separate their values with `", "`.
pub(crate) const SEPARATOR: &str = ", ";

/// The values of a multi-valued cell, trimmed, blanks left out.
pub(crate) fn values(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(SEPARATOR)
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

/// One value of a `CLASSE` or `GROUPES` cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Item {
    /// A bare name: a division in `CLASSE`, a group in `GROUPES`.
    Plain(String),
    /// `<division> <partition> part`: a part of a class; the part name is the EDT group name.
    Part {
        /// The class it divides.
        division: String,
        /// The partition (`Dédoublement`, `SIECLE`…).
        partition: String,
        /// The part.
        part: String,
    },
    /// `[group]…`: a group, written before each of its components ("nom complet" option).
    Group(String),
}

impl Item {
    /// Reads one value; a value that breaks the syntax is taken as a bare name.
    pub(crate) fn parse(value: &str) -> Item {
        let value = value.trim();
        if let Some(rest) = value.strip_prefix('[')
            && let Some((group, _components)) = rest.split_once(']')
            && !group.trim().is_empty()
        {
            return Item::Group(group.trim().to_string());
        }
        if let Some((division, rest)) = bracketed(value)
            && let Some((partition, part)) = bracketed(rest)
            && !part.trim().is_empty()
        {
            return Item::Part {
                division: division.to_string(),
                partition: partition.to_string(),
                part: part.trim().to_string(),
            };
        }
        Item::Plain(value.to_string())
    }

    /// The EDT name of the structure: the division, part or group.
    pub(crate) fn name(&self) -> &str {
        match self {
            Item::Plain(name) | Item::Group(name) => name,
            Item::Part { part, .. } => part,
        }
    }

    /// Writes a part back in EDT's syntax.
    pub(crate) fn part_text(division: &str, partition: &str, part: &str) -> String {
        format!("<{division}> <{partition}> {part}")
    }
}

/// `<inside> rest` → (`inside`, `rest`), both trimmed.
fn bracketed(text: &str) -> Option<(&str, &str)> {
    let rest = text.trim_start().strip_prefix('<')?;
    let (inside, rest) = rest.split_once('>')?;
    let inside = inside.trim();
    (!inside.is_empty()).then_some((inside, rest.trim_start()))
}

/// A weekday written in full or abbreviated, in French or Italian (`lundi`, `Lun.`,
/// `lunedì`), or as a number 1–7; 1 = Monday.
pub(crate) fn weekday(text: &str) -> Option<u8> {
    if let Some(day) = crate::common::day_number(text) {
        return Some(day);
    }
    let key: String = normalize_name(text)
        .chars()
        .filter(char::is_ascii_alphabetic)
        .take(3)
        .collect();
    let day = match key.as_str() {
        "LUN" => 1,
        "MAR" => 2,
        "MER" => 3,
        "JEU" | "GIO" => 4,
        "VEN" => 5,
        "SAM" | "SAB" => 6,
        "DIM" | "DOM" => 7,
        _ => return None,
    };
    Some(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_valued_cells_split_on_comma_space() {
        let items: Vec<&str> = values("4ESP2, AGL1_4B_4C, ").collect();
        assert_eq!(items, ["4ESP2", "AGL1_4B_4C"]);
    }

    #[test]
    fn parts_and_groups_are_understood() {
        assert_eq!(Item::parse(" 4B "), Item::Plain("4B".into()));
        assert_eq!(
            Item::parse("<4B> <Dédoublement> 4B G1"),
            Item::Part {
                division: "4B".into(),
                partition: "Dédoublement".into(),
                part: "4B G1".into()
            }
        );
        assert_eq!(
            Item::parse("[4 ART2]<4 A> <SIECLE> 4 ART2"),
            Item::Group("4 ART2".into())
        );
        assert_eq!(Item::parse("<4B> LAT"), Item::Plain("<4B> LAT".into()));
        assert_eq!(Item::parse("<4B"), Item::Plain("<4B".into()));
        let part = Item::part_text("4 A", "LATIN", "LAT");
        assert_eq!(Item::parse(&part).name(), "LAT");
    }

    #[test]
    fn weekdays_in_every_spelling() {
        assert_eq!(weekday("lundi"), Some(1));
        assert_eq!(weekday(" Mercredi "), Some(3));
        assert_eq!(weekday("jeu."), Some(4));
        assert_eq!(weekday("giovedì"), Some(4));
        assert_eq!(weekday("7"), Some(7));
        assert_eq!(weekday("dimanche"), Some(7));
        assert_eq!(weekday("8"), None);
        assert_eq!(weekday("demain"), None);
    }
}
