//! The demo establishment: a coherent synthetic collège, deterministic for a seed.
//!
//! Names are invented (French, with accents and Latin-9-only letters such as Œ and Š),
//! division codes carry spaces, groups span divisions, some students have left, and staff
//! of every type (`epp`, `local`, `dir`, `eppsup`) teach or manage. The dataset holds
//! everything the writers need: structure, services, timetable, students, guardians and
//! group memberships, so that every format written from it is consistent with the others.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};

use crate::model::{
    Address, Alternance, CodeItem, Course, Dataset, DayHours, Discipline, Division,
    DivisionAttachment, Establishment, FileInfo, Group, Guardian, GuardianLink,
    MainTeacherAssignment, Mef, MefAttachment, Membership, Room, SchoolYear, Service,
    ServiceTeacher, StaffMember, StructureKind, StructureRef, Student, StudentOption, StudentRef,
    Subject, YearBounds, code_lists, staff_kind,
};
use crate::time::{Minutes, TimeOfDay};

/// Which calendar the demo year follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Calendar {
    /// September to early July; the millésime is the year of September.
    #[default]
    Metropole,
    /// New Caledonia: mid-February to mid-December; the millésime is the calendar year.
    NouvelleCaledonie,
}

/// Parameters of the generator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoParams {
    /// Number of students (leavers included).
    pub students: usize,
    /// Seed: the same seed gives the same establishment.
    pub seed: u64,
    /// Calendar.
    pub calendar: Calendar,
    /// Millésime.
    pub millesime: i32,
    /// UAJ of the establishment.
    pub uaj: String,
}

impl Default for DemoParams {
    fn default() -> Self {
        DemoParams {
            students: 450,
            seed: 1,
            calendar: Calendar::Metropole,
            millesime: 2026,
            uaj: "0999999Z".into(),
        }
    }
}

/// SplitMix64: small, fast, and the same on every platform.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut value = self.0;
        value = (value ^ (value >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        value = (value ^ (value >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        value ^ (value >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        if bound == 0 {
            return 0;
        }
        usize::try_from(self.next() % bound as u64).unwrap_or(0)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn digits(&mut self, count: u32) -> String {
        let low = 10u64.pow(count - 1);
        (low + self.next() % (9 * low)).to_string()
    }

    fn letters(&mut self, count: usize) -> String {
        (0..count)
            .map(|_| char::from(b'A' + u8::try_from(self.below(26)).unwrap_or(0)))
            .collect()
    }
}

const FAMILY_NAMES: &[&str] = &[
    "MARTIN",
    "LÉVÊQUE",
    "CŒURDEROY",
    "BŒUF",
    "LEFÈVRE",
    "GUÉRIN",
    "ROUSSEAU",
    "MERCIER",
    "NOËL",
    "CHÂTELAIN",
    "HÉBERT",
    "ÉTIENNE",
    "LEMAÎTRE",
    "D'ALMEIDA",
    "LE GOFF",
    "SAINT-ANDRÉ",
    "FAURE",
    "GARNIER",
    "BLANC",
    "BOYER",
    "GIRARD",
    "ANDRÉ",
    "MOREL",
    "FOURNIER",
    "ROUX",
    "BERTRAND",
    "BARBIER",
    "GAUTIER",
    "PERRIN",
    "ROBIN",
    "CLÉMENT",
    "MASSON",
    "ŠIMEK",
    "DUVAL-ŒUVRARD",
    "KERGOAT",
    "TRAORÉ",
    "NGUYEN",
    "BENAÏSSA",
    "PÉREZ",
    "MÜLLER",
];
const GIRL_NAMES: &[&str] = &[
    "Chloé",
    "Maëlle",
    "Zoé",
    "Léa",
    "Inès",
    "Anaïs",
    "Héloïse",
    "Noémie",
    "Loïse",
    "Agathe",
    "Camille",
    "Éloïse",
    "Jade",
    "Louise",
    "Mélanie",
    "Océane",
    "Clémence",
    "Gaëlle",
    "Maïa",
];
const BOY_NAMES: &[&str] = &[
    "Noé",
    "Jérôme",
    "Théo",
    "Raphaël",
    "Loïc",
    "Mathéo",
    "Gaël",
    "Élie",
    "Joël",
    "Benoît",
    "Hugo",
    "Lucas",
    "Ismaël",
    "Timothée",
    "Anatole",
    "Cédric",
    "Aurélien",
    "Nathan",
    "Yanis",
];
const STAFF_FIRST_NAMES: &[&str] = &[
    "Anne",
    "Hélène",
    "Sébastien",
    "François",
    "Béatrice",
    "Gérard",
    "Véronique",
    "Stéphane",
    "Agnès",
    "Frédéric",
    "Cécile",
    "Jérémie",
    "Solène",
    "Hervé",
    "Josée",
    "Rémi",
];

/// A subject taught: code, management mnemonic, short and long labels, discipline.
struct SubjectSpec {
    code: &'static str,
    management: &'static str,
    short: &'static str,
    long: &'static str,
    edition: &'static str,
    discipline: (&'static str, &'static str),
    teachers: usize,
}

const SUBJECTS: &[SubjectSpec] = &[
    SubjectSpec {
        code: "020700",
        management: "FRANC",
        short: "FRANCAIS",
        long: "FRANCAIS",
        edition: "Français",
        discipline: ("L0202", "LETTRES MODERNES"),
        teachers: 4,
    },
    SubjectSpec {
        code: "061300",
        management: "MATHS",
        short: "MATHEMATIQUES",
        long: "MATHEMATIQUES",
        edition: "Mathématiques",
        discipline: ("L1300", "MATHEMATIQUES"),
        teachers: 4,
    },
    SubjectSpec {
        code: "030201",
        management: "AGL1",
        short: "ANGLAIS LV1",
        long: "ANGLAIS LV1",
        edition: "Anglais LV1",
        discipline: ("L0422", "ANGLAIS"),
        teachers: 3,
    },
    SubjectSpec {
        code: "030602",
        management: "ESP2",
        short: "ESPAGNOL LV2",
        long: "ESPAGNOL LV2",
        edition: "Espagnol LV2",
        discipline: ("L0426", "ESPAGNOL"),
        teachers: 2,
    },
    SubjectSpec {
        code: "030102",
        management: "ALL2",
        short: "ALLEMAND LV2",
        long: "ALLEMAND LV2",
        edition: "Allemand LV2",
        discipline: ("L0421", "ALLEMAND"),
        teachers: 1,
    },
    SubjectSpec {
        code: "040600",
        management: "HIGEO",
        short: "HISTOIRE-GEOGRAPHIE",
        long: "HISTOIRE-GEOGRAPHIE-EMC",
        edition: "Histoire-géographie",
        discipline: ("L1000", "HISTOIRE GEOGRAPHIE"),
        teachers: 3,
    },
    SubjectSpec {
        code: "062900",
        management: "SVT",
        short: "SC. VIE ET TERRE",
        long: "SCIENCES DE LA VIE ET DE LA TERRE",
        edition: "Sciences de la vie et de la Terre",
        discipline: ("L1600", "SVT"),
        teachers: 2,
    },
    SubjectSpec {
        code: "061800",
        management: "PH-CH",
        short: "PHYSIQUE-CHIMIE",
        long: "PHYSIQUE-CHIMIE",
        edition: "Physique-chimie",
        discipline: ("L1500", "PHYSIQUE CHIMIE"),
        teachers: 2,
    },
    SubjectSpec {
        code: "070200",
        management: "TECHN",
        short: "TECHNOLOGIE",
        long: "TECHNOLOGIE",
        edition: "Technologie",
        discipline: ("L1400", "TECHNOLOGIE"),
        teachers: 2,
    },
    SubjectSpec {
        code: "080100",
        management: "A-PLA",
        short: "ARTS PLASTIQUES",
        long: "ARTS PLASTIQUES",
        edition: "Arts plastiques",
        discipline: ("L1800", "ARTS PLASTIQUES"),
        teachers: 1,
    },
    SubjectSpec {
        code: "080200",
        management: "EDMUS",
        short: "EDUCATION MUSICALE",
        long: "EDUCATION MUSICALE",
        edition: "Éducation musicale",
        discipline: ("L1700", "EDUCATION MUSICALE"),
        teachers: 1,
    },
    SubjectSpec {
        code: "100100",
        management: "EPS",
        short: "ED.PHYSIQUE & SPORT.",
        long: "EDUCATION PHYSIQUE ET SPORTIVE",
        edition: "Éducation physique et sportive",
        discipline: ("L1900", "EPS"),
        teachers: 3,
    },
    SubjectSpec {
        code: "020300",
        management: "LCALA",
        short: "LCA LATIN",
        long: "LANGUES ET CULTURES DE L'ANTIQUITE LATIN",
        edition: "LCA latin",
        discipline: ("L0201", "LETTRES CLASSIQUES"),
        teachers: 1,
    },
    SubjectSpec {
        code: "002300",
        management: "VIECL",
        short: "HEURE DE VIE CLASSE",
        long: "HEURE DE VIE DE CLASSE",
        edition: "Heure de vie de classe",
        discipline: ("L0202", "LETTRES MODERNES"),
        teachers: 0,
    },
];

/// Weekly hours (in half hours) of the division subjects, by level (6e, 5e, 4e, 3e).
const DIVISION_HOURS: &[(&str, [u16; 4])] = &[
    ("020700", [9, 9, 9, 8]),
    ("061300", [9, 7, 7, 7]),
    ("030201", [8, 6, 6, 6]),
    ("040600", [6, 6, 6, 7]),
    ("062900", [3, 3, 3, 3]),
    ("061800", [2, 3, 3, 3]),
    ("080100", [2, 2, 2, 2]),
    ("080200", [2, 2, 2, 2]),
    ("100100", [8, 6, 6, 6]),
    ("002300", [1, 1, 1, 1]),
];

/// A level: name, MEF code, MEF label, and the age of its students at the start of the year.
struct Level {
    digit: char,
    mef: &'static str,
    formation: &'static str,
    label: &'static str,
    age: i32,
}

const LEVELS: [Level; 4] = [
    Level {
        digit: '6',
        mef: "10010012110",
        formation: "6EME",
        label: "6EME",
        age: 11,
    },
    Level {
        digit: '5',
        mef: "10110001110",
        formation: "5EME",
        label: "5EME",
        age: 12,
    },
    Level {
        digit: '4',
        mef: "10210001110",
        formation: "4EME",
        label: "4EME",
        age: 13,
    },
    Level {
        digit: '3',
        mef: "10310019110",
        formation: "3EME",
        label: "3EME",
        age: 14,
    },
];

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default()
}

fn hours_text(half_hours: u16) -> String {
    format!("{}.{:02}", half_hours / 2, (half_hours % 2) * 50)
}

/// Bounds, export date and holiday weeks (week indexes from the first Monday) of a calendar.
fn calendar_facts(params: &DemoParams) -> (YearBounds, YearBounds, NaiveDate, &'static [usize]) {
    let year = params.millesime;
    match params.calendar {
        Calendar::Metropole => (
            YearBounds {
                start: Some(date(year, 9, 1)),
                end: Some(date(year + 1, 7, 3)),
                staff_start: Some(date(year, 8, 31)),
                staff_end: Some(date(year + 1, 8, 31)),
            },
            YearBounds {
                start: Some(date(year - 1, 9, 1)),
                end: Some(date(year, 7, 4)),
                staff_start: Some(date(year - 1, 8, 31)),
                staff_end: Some(date(year, 8, 31)),
            },
            date(year, 10, 14),
            &[7, 8, 16, 17, 24, 25, 32, 33],
        ),
        Calendar::NouvelleCaledonie => (
            YearBounds {
                start: Some(date(year, 2, 16)),
                end: Some(date(year, 12, 18)),
                staff_start: Some(date(year, 2, 9)),
                staff_end: Some(date(year, 12, 31)),
            },
            YearBounds {
                start: Some(date(year - 1, 2, 17)),
                end: Some(date(year - 1, 12, 19)),
                staff_start: Some(date(year - 1, 2, 10)),
                staff_end: Some(date(year - 1, 12, 31)),
            },
            date(year, 4, 14),
            &[8, 9, 18, 19, 29, 30],
        ),
    }
}

/// The Mondays of the teaching weeks.
fn school_weeks(bounds: &YearBounds, holidays: &[usize]) -> Vec<NaiveDate> {
    let (Some(start), Some(end)) = (bounds.start, bounds.end) else {
        return Vec::new();
    };
    let first_monday = start - Duration::days(i64::from(start.weekday().num_days_from_monday()));
    let mut weeks = Vec::new();
    let mut monday = first_monday;
    let mut index = 0;
    while monday <= end {
        if !holidays.contains(&index) {
            weeks.push(monday);
        }
        monday += Duration::days(7);
        index += 1;
    }
    weeks
}

/// The fixed generation time of the demo's files: the export date at 10:15:30.
pub fn demo_timestamp(dataset: &Dataset) -> NaiveDateTime {
    dataset
        .reference_date
        .unwrap_or_default()
        .and_hms_opt(10, 15, 30)
        .unwrap_or_default()
}

struct Builder {
    random: Random,
    dataset: Dataset,
    weeks: Vec<NaiveDate>,
    /// Next free slot (day, hour index) per structure, for the timetable.
    slots: BTreeMap<String, usize>,
    next_id: u64,
}

/// Teaching slots: (day, start) on a Monday–Friday grid, Wednesday afternoon free.
fn teaching_slots() -> Vec<(u8, TimeOfDay)> {
    let mut slots = Vec::new();
    for hour in [8u16, 9, 10, 11, 13, 14, 15, 16] {
        for day in 1..=5u8 {
            if day == 3 && hour >= 13 {
                continue;
            }
            slots.push((day, TimeOfDay(hour * 60)));
        }
    }
    slots
}

impl Builder {
    fn id(&mut self, digits: u32) -> String {
        self.next_id += 1 + u64::try_from(self.random.below(7)).unwrap_or(0);
        let base = 10u64.pow(digits - 1);
        (base + self.next_id).to_string()
    }

    fn establishment(&mut self, params: &DemoParams) {
        self.dataset.establishment = Establishment {
            uaj: params.uaj.to_string(),
            academy_code: Some("99".into()),
            academy_name: Some("EXEMPLE".into()),
            acronym: Some("CLG".into()),
            name: Some("COLLEGE".into()),
            name_complement: Some("LES TILLEULS".into()),
            ..Establishment::default()
        };
    }

    fn nomenclatures(&mut self) {
        for spec in SUBJECTS {
            self.dataset.subjects.insert(
                spec.code.into(),
                Subject {
                    code: spec.code.into(),
                    management_code: Some(spec.management.into()),
                    short_label: Some(spec.short.into()),
                    long_label: Some(spec.long.into()),
                    edition_label: Some(spec.edition.into()),
                    ..Subject::default()
                },
            );
        }
        for level in &LEVELS {
            self.dataset.mefs.insert(
                level.mef.into(),
                Mef {
                    code: level.mef.into(),
                    formation: Some(level.formation.into()),
                    long_label: Some(level.label.into()),
                    edition_label: Some(format!("{}ème", level.digit)),
                    mefstat11: Some(format!("1{}1100{}1110", level.digit, level.digit)),
                    mefstat4: Some(format!("21{}1", level.digit)),
                    ..Mef::default()
                },
            );
        }
        let modes = [
            ("CG", "COURS GENERAL", "N"),
            ("TP", "TRAVAUX PRATIQUES", "N"),
            ("CE", "CO-ENSEIGNEMENT", "O"),
        ];
        let list = self
            .dataset
            .code_lists
            .entry(code_lists::COURSE_MODES.into())
            .or_default();
        for (code, label, co_teaching) in modes {
            let mut item = CodeItem {
                code: code.into(),
                short_label: Some(label.into()),
                long_label: Some(label.into()),
                ..CodeItem::default()
            };
            item.extra
                .push(crate::model::ExtraNode::text("CO_ENS", co_teaching));
            list.insert(code.into(), item);
        }
        let civilities = self
            .dataset
            .code_lists
            .entry(code_lists::CIVILITIES.into())
            .or_default();
        for (code, short, long) in [("1", "M.", "MONSIEUR"), ("2", "MME", "MADAME")] {
            civilities.insert(
                code.into(),
                CodeItem {
                    code: code.into(),
                    short_label: Some(short.into()),
                    long_label: Some(long.into()),
                    ..CodeItem::default()
                },
            );
        }
        let modalities = self
            .dataset
            .code_lists
            .entry(code_lists::ELECTION_MODALITIES.into())
            .or_default();
        for (code, label) in [
            ("S", "TRONC COMMUN"),
            ("O", "OPTION OBLIGATOIRE"),
            ("F", "OPTION FACULTATIVE"),
        ] {
            modalities.insert(
                code.into(),
                CodeItem {
                    code: code.into(),
                    short_label: Some(label.into()),
                    long_label: Some(label.into()),
                    ..CodeItem::default()
                },
            );
        }
    }

    fn staff_member(&mut self, kind: &str, function: Option<&str>, grade: Option<&str>) -> String {
        let id = self.id(5);
        let woman = self.random.chance(60);
        let family = self.random.pick(FAMILY_NAMES).to_string();
        let first = self.random.pick(STAFF_FIRST_NAMES).to_string();
        let birth_year = 1962 + i32::try_from(self.random.below(35)).unwrap_or(0);
        let member = StaffMember {
            id: id.clone(),
            kind: Some(kind.into()),
            substitute: kind == staff_kind::EPPSUP,
            sex: Some(if woman { "2" } else { "1" }.into()),
            civility: Some(if woman { "2" } else { "1" }.into()),
            usage_name: Some(family.clone()),
            birth_name: Some(family),
            first_name: Some(first),
            birth_date: Some(date(
                birth_year,
                1 + u32::try_from(self.random.below(12)).unwrap_or(0),
                1 + u32::try_from(self.random.below(28)).unwrap_or(0),
            )),
            grade: grade.map(str::to_string),
            function: function.map(str::to_string),
            ..StaffMember::default()
        };
        self.dataset.staff.insert(id.clone(), member);
        id
    }

    /// Teachers by subject code, every type represented.
    fn staff(&mut self) -> BTreeMap<&'static str, Vec<String>> {
        self.staff_member(staff_kind::DIR, Some("DIR"), Some("PERDIR HC"));
        self.staff_member(staff_kind::DIR, Some("DIR"), Some("PERDIR CN"));
        self.staff_member(staff_kind::EPP, Some("EDU"), Some("CPE CN"));
        // On long leave: no function, and no service references them.
        self.staff_member(staff_kind::EPP, None, Some("CERT CN"));
        let mut teachers: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
        for spec in SUBJECTS {
            for index in 0..spec.teachers {
                let (kind, grade) = match (spec.code, index) {
                    ("061300", 3) => (staff_kind::LOCAL, "CONTRACTUEL"),
                    ("020700", 3) => (staff_kind::EPPSUP, "CONTRACTUEL"),
                    (_, 0) if spec.teachers > 2 => (staff_kind::EPP, "AGREGE CN"),
                    _ => (staff_kind::EPP, "CERT CN"),
                };
                let id = self.staff_member(kind, Some("ENS"), Some(grade));
                if let Some(member) = self.dataset.staff.get_mut(&id) {
                    member.disciplines.push(Discipline {
                        code: spec.discipline.0.into(),
                        short_label: Some(spec.discipline.1.into()),
                        hours: Some("18.00".into()),
                        ..Discipline::default()
                    });
                }
                teachers.entry(spec.code).or_default().push(id);
            }
        }
        teachers
    }

    fn timetable(&mut self) {
        let timetable = &mut self.dataset.timetable;
        for day in 1..=5u8 {
            timetable.day_hours.push(DayHours {
                day,
                start: Some(TimeOfDay(8 * 60)),
                end: Some(TimeOfDay(if day == 3 {
                    12 * 60 + 30
                } else {
                    17 * 60 + 30
                })),
                ..DayHours::default()
            });
        }
        let all = self.weeks.clone();
        let odd: Vec<NaiveDate> = all.iter().copied().step_by(2).collect();
        let even: Vec<NaiveDate> = all.iter().copied().skip(1).step_by(2).collect();
        for (code, short, long, weeks) in [
            ("H", "H", "Toutes les semaines", all),
            ("Q1", "Q1", "Semaine 1", odd),
            ("Q2", "Q2", "Semaine 2", even),
        ] {
            timetable.alternances.insert(
                code.into(),
                Alternance {
                    code: code.into(),
                    short_label: Some(short.into()),
                    long_label: Some(long.into()),
                    weeks,
                    ..Alternance::default()
                },
            );
        }
        let mut rooms: Vec<(String, &str, &str)> = (1..=20)
            .map(|number| {
                (
                    format!("S{:03}", 100 + number),
                    "SALLES BANALISEES",
                    "BATIMENT A",
                )
            })
            .collect();
        rooms.push(("GYMNASE".into(), "SPORT", "GYMNASE"));
        rooms.push(("LABO 1".into(), "SCIENCES", "BATIMENT B"));
        for (code, group, location) in rooms {
            timetable.rooms.insert(
                code.clone(),
                Room {
                    code,
                    room_group: Some(group.into()),
                    location: Some(location.into()),
                    ..Room::default()
                },
            );
        }
    }

    /// Courses for `half_hours` of a service, on the structure's next free slots.
    fn courses(&mut self, structure: &str, half_hours: u16, room: &str) -> Vec<Course> {
        let slots = teaching_slots();
        let mut courses = Vec::new();
        let mut remaining = half_hours;
        while remaining > 0 {
            let next = self.slots.entry(structure.to_string()).or_insert(0);
            let (day, start) = slots[*next % slots.len()];
            *next += 1;
            let alternance = if remaining == 1 { "Q1" } else { "H" };
            courses.push(Course {
                alternance: Some(alternance.into()),
                day: Some(day),
                start: Some(start),
                duration: Some(Minutes(60)),
                room: Some(room.into()),
                ..Course::default()
            });
            remaining = remaining.saturating_sub(2);
        }
        courses
    }

    fn service(
        &mut self,
        structure: StructureRef,
        subject: &str,
        mode: &str,
        half_hours: u16,
        teacher: &str,
    ) {
        let room = match subject {
            "100100" => "GYMNASE".to_string(),
            "062900" | "061800" => "LABO 1".to_string(),
            _ => format!("S{:03}", 101 + self.random.below(20)),
        };
        let courses = self.courses(&structure.code, half_hours, &room);
        let kind = self
            .dataset
            .staff
            .get(teacher)
            .and_then(|member| member.kind.clone());
        self.dataset.services.push(Service {
            structure,
            subject: subject.into(),
            course_mode: Some(mode.into()),
            hours: Some(hours_text(half_hours)),
            co_teaching: Some("N".into()),
            teachers: vec![ServiceTeacher {
                id: teacher.into(),
                kind,
                hours: Some(hours_text(half_hours)),
                weighting: Some("1.00".into()),
                courses,
                ..ServiceTeacher::default()
            }],
            ..Service::default()
        });
    }

    fn structure(
        &mut self,
        divisions_per_level: usize,
        teachers: &BTreeMap<&'static str, Vec<String>>,
    ) -> Vec<Vec<String>> {
        let mut by_level = Vec::new();
        let mut rotation: BTreeMap<&str, usize> = BTreeMap::new();
        let teacher_for = |subject: &'static str, rotation: &mut BTreeMap<&str, usize>| {
            let list = &teachers[subject];
            let index = rotation.entry(subject).or_insert(0);
            *index += 1;
            list[*index % list.len()].clone()
        };
        let mut main_teachers = Vec::new();
        for (level_index, level) in LEVELS.iter().enumerate() {
            let mut codes = Vec::new();
            for index in 0..divisions_per_level {
                let letter = char::from(b'A' + u8::try_from(index % 26).unwrap_or(0));
                let code = if index < 26 {
                    format!("{} {letter}", level.digit)
                } else {
                    format!("{} {letter}{}", level.digit, index / 26)
                };
                self.dataset.divisions.insert(
                    code.clone(),
                    Division {
                        code: code.clone(),
                        label: Some(format!("{} {letter}", level.label)),
                        planned: Some(28),
                        mefs: vec![MefAttachment {
                            code: level.mef.into(),
                            planned: Some(28),
                            ..MefAttachment::default()
                        }],
                        ..Division::default()
                    },
                );
                let division = StructureRef {
                    kind: StructureKind::Division,
                    code: code.clone(),
                };
                let mut main_teacher = None;
                for (subject, hours) in DIVISION_HOURS {
                    let teacher = if *subject == "002300" {
                        main_teacher.clone().unwrap_or_default()
                    } else {
                        teacher_for(subject_static(subject), &mut rotation)
                    };
                    if *subject == "020700" {
                        main_teacher = Some(teacher.clone());
                    }
                    self.service(
                        division.clone(),
                        subject,
                        "CG",
                        hours[level_index],
                        &teacher,
                    );
                }
                if let Some(teacher) = main_teacher {
                    main_teachers.push((teacher, code.clone()));
                }
                codes.push(code);
            }
            self.groups_of_level(level_index, level, &codes, &mut |subject| {
                teacher_for(subject, &mut rotation)
            });
            by_level.push(codes);
        }
        let start = self.dataset.school_year.bounds.start;
        for (teacher, division) in main_teachers {
            if let Some(member) = self.dataset.staff.get_mut(&teacher) {
                member.main_teacher_of.push(MainTeacherAssignment {
                    division: Some(division),
                    start,
                    end: None,
                    ..MainTeacherAssignment::default()
                });
            }
        }
        by_level
    }

    fn group(&mut self, code: &str, label: &str, divisions: &[String], mef: &str, planned: u32) {
        self.dataset.groups.insert(
            code.into(),
            Group {
                code: code.into(),
                label: Some(label.into()),
                planned: Some(planned),
                max_timetable: Some(planned + 2),
                divisions: divisions
                    .iter()
                    .map(|division| DivisionAttachment {
                        code: division.clone(),
                        ..DivisionAttachment::default()
                    })
                    .collect(),
                mefs: vec![MefAttachment {
                    code: mef.into(),
                    ..MefAttachment::default()
                }],
                ..Group::default()
            },
        );
    }

    fn groups_of_level(
        &mut self,
        level_index: usize,
        level: &Level,
        divisions: &[String],
        teacher_for: &mut dyn FnMut(&'static str) -> String,
    ) {
        let digit = level.digit;
        if level_index == 0 {
            for division in divisions {
                for half in ["G1", "G2"] {
                    let code = format!("{division} {half}");
                    self.group(
                        &code,
                        &format!("{division} TECHNO {half}"),
                        std::slice::from_ref(division),
                        level.mef,
                        14,
                    );
                    let teacher = teacher_for("070200");
                    self.service(group_ref(&code), "070200", "TP", 3, &teacher);
                }
            }
            return;
        }
        let size = u32::try_from(divisions.len() * 14).unwrap_or(u32::MAX);
        for (code, label, subject, hours) in [
            (
                format!("{digit}ESP2"),
                format!("{digit}E ESPAGNOL LV2"),
                "030602",
                5,
            ),
            (
                format!("{digit}ALL2"),
                format!("{digit}E ALLEMAND LV2"),
                "030102",
                5,
            ),
            (
                format!("{digit}LATIN"),
                format!("{digit}E LATIN"),
                "020300",
                if digit == '5' { 2 } else { 4 },
            ),
        ] {
            self.group(&code, &label, divisions, level.mef, size);
            let teacher = teacher_for(subject);
            self.service(group_ref(&code), subject, "CG", hours, &teacher);
        }
        // Technology in half groups, one per division.
        for division in divisions {
            let teacher = teacher_for("070200");
            self.service(
                StructureRef {
                    kind: StructureKind::Division,
                    code: division.clone(),
                },
                "070200",
                "CG",
                3,
                &teacher,
            );
        }
    }

    fn guardians_for(&mut self, family: &str) -> Vec<String> {
        let count = if self.random.chance(80) { 2 } else { 1 };
        let address_id = self.id(7);
        self.dataset.addresses.insert(
            address_id.clone(),
            Address {
                id: address_id.clone(),
                lines: vec![format!(
                    "{} RUE {}",
                    1 + self.random.below(120),
                    self.random.pick(&[
                        "DES ÉCOLES",
                        "DU CHÂTEAU",
                        "JEAN JAURÈS",
                        "DE L'ŒUVRE",
                        "DES TILLEULS"
                    ])
                )],
                postal_code: Some("99000".into()),
                city: Some("EXEMPLEVILLE".into()),
                country_code: Some("100".into()),
                ..Address::default()
            },
        );
        let mut ids = Vec::new();
        for index in 0..count {
            let id = self.id(7);
            let woman = index == 0;
            self.dataset.guardians.insert(
                id.clone(),
                Guardian {
                    id: id.clone(),
                    civility: Some(if woman { "MME" } else { "M." }.into()),
                    family_name: Some(family.into()),
                    first_name: Some(self.random.pick(STAFF_FIRST_NAMES).to_string()),
                    address_id: Some(address_id.clone()),
                    ..Guardian::default()
                },
            );
            ids.push(id);
        }
        ids
    }

    fn students(&mut self, count: usize, by_level: &[Vec<String>], export_date: NaiveDate) {
        let start = self.dataset.school_year.bounds.start.unwrap_or_default();
        let millesime = self.dataset.school_year.millesime.unwrap_or_default();
        let uaj_middle: String = self
            .dataset
            .establishment
            .uaj
            .chars()
            .skip(1)
            .take(6)
            .collect();
        let mut family_guardians: Vec<(String, Vec<String>)> = Vec::new();
        for index in 0..count {
            let level_index = index % LEVELS.len();
            let level = &LEVELS[level_index];
            let divisions = &by_level[level_index];
            let division = divisions[(index / LEVELS.len()) % divisions.len()].clone();
            let girl = self.random.chance(50);
            // Siblings: a fifth of the students share a family (and its guardians).
            let (family, guardians) = if !family_guardians.is_empty() && self.random.chance(20) {
                family_guardians[self.random.below(family_guardians.len())].clone()
            } else {
                let family = self.random.pick(FAMILY_NAMES).to_string();
                let guardians = self.guardians_for(&family);
                family_guardians.push((family.clone(), guardians.clone()));
                (family, guardians)
            };
            let first = if girl {
                self.random.pick(GIRL_NAMES)
            } else {
                self.random.pick(BOY_NAMES)
            };
            let second = (self.random.chance(30)).then(|| {
                (if girl {
                    self.random.pick(GIRL_NAMES)
                } else {
                    self.random.pick(BOY_NAMES)
                })
                .to_string()
            });
            let birth = date(
                millesime - level.age,
                1 + u32::try_from(self.random.below(12)).unwrap_or(0),
                1 + u32::try_from(self.random.below(28)).unwrap_or(0),
            );
            let eleve_id = self.id(7);
            let elenoet = format!("{:05}", 10_000 + self.random.below(89_999));
            let late_arrival = self.random.chance(3);
            let entry = if late_arrival {
                start + Duration::days(14 + i64::try_from(self.random.below(20)).unwrap_or(0))
            } else if level_index == 0 {
                start
            } else {
                date(
                    millesime - i32::try_from(level_index).unwrap_or(0),
                    start.month(),
                    start.day(),
                )
            };
            // About 2 % have left before the export; they stay in their division.
            let leaving = (self.random.chance(2))
                .then(|| {
                    start + Duration::days(10 + i64::try_from(self.random.below(20)).unwrap_or(0))
                })
                .filter(|left| *left < export_date && *left > entry);
            let mut student = Student {
                eleve_id: eleve_id.clone(),
                elenoet: Some(elenoet.clone()),
                ine: Some(format!(
                    "{}{}",
                    self.random.digits(9),
                    self.random.letters(2)
                )),
                school_id: Some(format!("{elenoet}{uaj_middle}")),
                family_name: Some(family.clone()),
                first_name: Some(first.to_string()),
                first_name2: second,
                birth_date: Some(birth),
                sex: Some(if girl { "2" } else { "1" }.into()),
                mef: Some(level.mef.into()),
                entry_date: Some(entry),
                leaving_date: leaving,
                leaving_reason: leaving.map(|_| "11".to_string()),
                division: Some(division.clone()),
                ..Student::default()
            };
            let mut groups = Vec::new();
            if level_index == 0 {
                groups.push(format!(
                    "{division} {}",
                    if index % 2 == 0 { "G1" } else { "G2" }
                ));
            } else {
                let spanish = self.random.chance(65);
                let (group, subject) = if spanish {
                    (format!("{}ESP2", level.digit), "030602")
                } else {
                    (format!("{}ALL2", level.digit), "030102")
                };
                groups.push(group);
                student.options.push(StudentOption {
                    rank: Some("1".into()),
                    modality: Some("O".into()),
                    subject: Some(subject.into()),
                    ..StudentOption::default()
                });
                if self.random.chance(20) {
                    groups.push(format!("{}LATIN", level.digit));
                    student.options.push(StudentOption {
                        rank: Some("2".into()),
                        modality: Some("F".into()),
                        subject: Some("020300".into()),
                        ..StudentOption::default()
                    });
                }
            }
            if leaving.is_none() {
                for group in groups {
                    self.dataset.memberships.push(Membership {
                        student: StudentRef::by_eleve_id(eleve_id.clone()),
                        group,
                        start: Some(entry.max(start)),
                        end: None,
                        origin: "demo".into(),
                        ..Membership::default()
                    });
                }
            }
            for (rank, guardian) in guardians.iter().enumerate() {
                let mother = self
                    .dataset
                    .guardians
                    .get(guardian)
                    .is_some_and(|person| person.civility.as_deref() == Some("MME"));
                self.dataset.guardian_links.push(GuardianLink {
                    eleve_id: eleve_id.clone(),
                    guardian_id: guardian.clone(),
                    responsibility_level: Some("1".into()),
                    relationship: Some(if mother { "10" } else { "20" }.into()),
                    extra: crate::model::Extra(vec![
                        crate::model::ExtraNode::text(
                            "RESP_FINANCIER",
                            if rank == 0 { "1" } else { "0" },
                        ),
                        crate::model::ExtraNode::text("PERS_CONTACT", "1"),
                    ]),
                    ..GuardianLink::default()
                });
            }
            self.dataset.students.insert(eleve_id, student);
        }
    }
}

fn group_ref(code: &str) -> StructureRef {
    StructureRef {
        kind: StructureKind::Groupe,
        code: code.into(),
    }
}

fn subject_static(code: &str) -> &'static str {
    SUBJECTS
        .iter()
        .find(|spec| spec.code == code)
        .map_or("020700", |spec| spec.code)
}

/// The UAJ of the `index`-th establishment of a batch demo (from 0): `0999999Z`, `0999998Z`…
/// (invented: the letter is not the national check letter).
pub fn demo_uaj(index: usize) -> String {
    let number = 999_999usize.saturating_sub(index);
    format!("{number:07}Z")
}

/// Builds the demo establishment.
pub fn generate(params: &DemoParams) -> Dataset {
    let (bounds, previous, export_date, holidays) = calendar_facts(params);
    let weeks = school_weeks(&bounds, holidays);
    let mut builder = Builder {
        random: Random(params.seed),
        dataset: Dataset::default(),
        weeks,
        slots: BTreeMap::new(),
        next_id: 0,
    };
    builder.establishment(params);
    builder.dataset.school_year = SchoolYear {
        millesime: Some(params.millesime),
        bounds: bounds.clone(),
        previous: Some(previous),
        ..SchoolYear::default()
    };
    builder.dataset.reference_date = Some(export_date);
    builder.dataset.files.push(FileInfo {
        fichier: "demo".into(),
        format: "demo".into(),
        uaj: Some(params.uaj.clone()),
        annee: Some(params.millesime),
        date_export: Some(export_date),
        logiciel: Some("passerelle".into()),
        ..FileInfo::default()
    });
    builder.nomenclatures();
    let teachers = builder.staff();
    builder.timetable();
    let divisions_per_level = (params.students / LEVELS.len()).div_ceil(28).max(1);
    let by_level = builder.structure(divisions_per_level, &teachers);
    builder.students(params.students, &by_level, export_date);
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    for student in builder.dataset.students.values() {
        if let Some(division) = &student.division {
            *counts.entry(division.clone()).or_default() += 1;
        }
    }
    for division in builder.dataset.divisions.values_mut() {
        division.actual = Some(counts.get(&division.code).copied().unwrap_or(0));
    }
    builder.dataset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_establishment() {
        let params = DemoParams::default();
        assert_eq!(generate(&params), generate(&params));
        let other = DemoParams {
            seed: 2,
            ..params.clone()
        };
        assert_ne!(generate(&params), generate(&other));
    }

    #[test]
    fn the_demo_college_is_coherent() {
        let dataset = generate(&DemoParams::default());
        assert_eq!(dataset.students.len(), 450);
        assert_eq!(dataset.divisions.len(), 16);
        assert!(
            dataset
                .divisions
                .keys()
                .all(|code| code.contains(' ') && code.len() <= 8)
        );
        assert!(dataset.groups.keys().all(|code| code.len() <= 8));
        let kinds: std::collections::BTreeSet<_> = dataset
            .staff
            .values()
            .filter_map(|member| member.kind.as_deref())
            .collect();
        assert_eq!(
            kinds.into_iter().collect::<Vec<_>>(),
            ["dir", "epp", "eppsup", "local"]
        );
        let leavers = dataset.students.len() - dataset.present_students().count();
        assert!(leavers > 0, "some students have left");
        assert!(
            dataset
                .students
                .values()
                .any(|s| s.family_name.as_deref().is_some_and(|n| n.contains('Œ')))
        );
        // Every membership respects the group's divisions and MEFs.
        for membership in &dataset.memberships {
            let student = &dataset.students[membership.student.eleve_id.as_deref().unwrap()];
            let group = &dataset.groups[&membership.group];
            assert!(
                group
                    .divisions
                    .iter()
                    .any(|d| Some(&d.code) == student.division.as_ref())
            );
            assert!(
                group
                    .mefs
                    .iter()
                    .any(|m| Some(&m.code) == student.mef.as_ref())
            );
        }
        // Every service names known teachers and subjects.
        for service in &dataset.services {
            assert!(dataset.subjects.contains_key(&service.subject));
            for teacher in &service.teachers {
                assert!(dataset.staff[&teacher.id].function.is_some());
            }
        }
    }

    #[test]
    fn new_caledonia_runs_february_to_december() {
        let dataset = generate(&DemoParams {
            calendar: Calendar::NouvelleCaledonie,
            ..DemoParams::default()
        });
        assert_eq!(dataset.school_year.bounds.start, Some(date(2026, 2, 16)));
        assert_eq!(dataset.school_year.bounds.end, Some(date(2026, 12, 18)));
        assert_eq!(dataset.school_year.millesime, Some(2026));
    }
}
