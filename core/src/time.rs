//! Times of day and durations, always computed in minutes.
//!
//! `emp_sts` writes `HHMM` (`0800`, `0130`) and EDT's list exports write `08h00` / `1h00`:
//! `1340` + `0100` is not an integer sum, so both are parsed into minutes first.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A time of day, in minutes after midnight. Serialized as `HH:MM`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay(pub u16);

/// A duration in minutes. Serialized as an integer number of minutes.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Minutes(pub u16);

/// Splits `HHMM`, `HH:MM` or `HHhMM` (spaces around allowed) into hours and minutes.
fn split_hours_minutes(text: &str) -> Option<(u16, u16)> {
    let text = text.trim();
    let (hours, minutes) = if let Some((h, m)) = text.split_once(['h', 'H', ':']) {
        (h.trim(), if m.trim().is_empty() { "0" } else { m.trim() })
    } else if text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()) {
        text.split_at(2)
    } else {
        return None;
    };
    if hours.is_empty() || !hours.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !minutes.bytes().all(|b| b.is_ascii_digit()) || minutes.len() > 2 {
        return None;
    }
    let hours: u16 = hours.parse().ok()?;
    let minutes: u16 = minutes.parse().ok()?;
    (minutes < 60).then_some((hours, minutes))
}

impl TimeOfDay {
    /// Parses `0800`, `08:00`, `08h00` or ` 8h00`.
    pub fn parse(text: &str) -> Option<Self> {
        let (hours, minutes) = split_hours_minutes(text)?;
        (hours < 24).then_some(TimeOfDay(hours * 60 + minutes))
    }

    /// Writes `HHMM`, as `emp_sts` does.
    pub fn to_hhmm(self) -> String {
        format!("{:02}{:02}", self.0 / 60, self.0 % 60)
    }

    /// This time plus a duration (saturating at the end of the day).
    pub fn plus(self, duration: Minutes) -> TimeOfDay {
        TimeOfDay((self.0 + duration.0).min(24 * 60 - 1))
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl Serialize for TimeOfDay {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TimeOfDay {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        TimeOfDay::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("heure invalide « {text} »")))
    }
}

impl Minutes {
    /// Parses a duration: `0130` (HHMM), `1h30`, `1h`, `01:30`.
    pub fn parse(text: &str) -> Option<Self> {
        let (hours, minutes) = split_hours_minutes(text)?;
        Some(Minutes(hours.checked_mul(60)?.checked_add(minutes)?))
    }

    /// Writes `HHMM`, as `emp_sts` does.
    pub fn to_hhmm(self) -> String {
        format!("{:02}{:02}", self.0 / 60, self.0 % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_spelling_into_minutes() {
        assert_eq!(TimeOfDay::parse("0800"), Some(TimeOfDay(480)));
        assert_eq!(TimeOfDay::parse(" 8h00"), Some(TimeOfDay(480)));
        assert_eq!(TimeOfDay::parse("13:40"), Some(TimeOfDay(820)));
        assert_eq!(TimeOfDay::parse("2500"), None);
        assert_eq!(TimeOfDay::parse("08h75"), None);
        assert_eq!(Minutes::parse("0130"), Some(Minutes(90)));
        assert_eq!(Minutes::parse("1h00"), Some(Minutes(60)));
        assert_eq!(Minutes::parse("1h"), Some(Minutes(60)));
        assert_eq!(Minutes::parse("abc"), None);
    }

    #[test]
    fn adds_in_minutes_not_in_hhmm() {
        let start = TimeOfDay::parse("1340").unwrap();
        assert_eq!(start.plus(Minutes(60)).to_hhmm(), "1440");
        assert_eq!(
            TimeOfDay::parse("1030")
                .unwrap()
                .plus(Minutes(45))
                .to_hhmm(),
            "1115"
        );
    }
}
