//! Reader and writer behaviour on small documents: refusals, doubtful values, records without
//! their key, leftovers at every level, order independence.

use passerelle_core::diagnostics::{Diagnostic, codes};
use passerelle_core::encoding::{TextKind, decode};
use passerelle_core::format::{
    Format, FormatError, ReadInput, ReadOptions, ReadOutput, WriteOptions,
};
use passerelle_core::model::{
    Dataset, ExtraNode, Service, ServiceTeacher, StructureKind, StructureRef,
};

use crate::STS_EMP;

const HEAD: &str = "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<STS_EDT>\n  <PARAMETRES>\n    <UAJ CODE=\"0999999Z\"/>\n    <ANNEE_SCOLAIRE ANNEE=\"2024\"/>\n  </PARAMETRES>\n  <NOMENCLATURES>\n    <MATIERES/>\n  </NOMENCLATURES>\n";

/// A document with the given `DONNEES` content.
fn document(donnees: &str) -> String {
    format!("{HEAD}  <DONNEES>\n{donnees}\n  </DONNEES>\n</STS_EDT>\n")
}

fn try_read(text: &str) -> Result<ReadOutput, FormatError> {
    STS_EMP.read(&ReadInput {
        file_name: "sts_emp_0999999Z_2024.xml",
        base_name: "sts_emp_0999999Z_2024.xml",
        text,
        options: &ReadOptions::default(),
    })
}

fn read(text: &str) -> ReadOutput {
    try_read(text).unwrap_or_else(|error| panic!("{error}"))
}

fn write(dataset: &Dataset) -> String {
    let outputs = STS_EMP.write(dataset, &WriteOptions::default()).unwrap();
    decode(&outputs[0].bytes, "t.xml", TextKind::Xml).text
}

/// Reads, writes, reads again: the two models must be equal and the second read silent
/// about anything the first did not report.
fn round_trip(text: &str) -> (ReadOutput, String) {
    let first = read(text);
    let written = write(&first.dataset);
    let second = read(&written);
    assert_eq!(
        second.dataset, first.dataset,
        "read → write → read:\n{written}"
    );
    assert_eq!(
        write(&second.dataset),
        written,
        "write → read → write is identical"
    );
    (first, written)
}

fn codes_and_lines(diagnostics: &[Diagnostic]) -> Vec<(String, Option<u32>)> {
    diagnostics
        .iter()
        .map(|diagnostic| (diagnostic.code.clone(), diagnostic.line))
        .collect()
}

fn error_text(text: &str) -> String {
    match try_read(text) {
        Ok(_) => panic!("the document should be refused:\n{text}"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn documents_without_school_year_or_data_are_refused_in_french() {
    let wrong_root = error_text("<EDT_STS><PARAMETRES/></EDT_STS>");
    assert!(wrong_root.contains("<EDT_STS>"), "{wrong_root}");
    assert!(
        wrong_root.contains("sts_emp_0999999Z_2024.xml, ligne 1"),
        "{wrong_root}"
    );

    let empty = error_text("<STS_EDT/>");
    assert!(empty.contains("PARAMETRES"), "{empty}");

    let no_donnees = error_text(&format!("{HEAD}</STS_EDT>"));
    assert!(no_donnees.contains("DONNEES"), "{no_donnees}");
    assert!(no_donnees.contains("Réexportez"), "{no_donnees}");

    let no_code = error_text(
        "<STS_EDT>\n<PARAMETRES>\n<UAJ/>\n<ANNEE_SCOLAIRE ANNEE=\"2024\"/>\n</PARAMETRES>\n<DONNEES/>\n</STS_EDT>",
    );
    assert!(no_code.contains("ligne 3"), "{no_code}");
    assert!(no_code.contains("UAJ n'a pas d'attribut CODE"), "{no_code}");

    let no_uaj = error_text(
        "<STS_EDT><PARAMETRES><ANNEE_SCOLAIRE ANNEE=\"2024\"/></PARAMETRES><DONNEES/></STS_EDT>",
    );
    assert!(no_uaj.contains("pas d'élément UAJ"), "{no_uaj}");

    let short_year = error_text(
        "<STS_EDT>\n<PARAMETRES>\n<UAJ CODE=\"0999999Z\"/>\n<ANNEE_SCOLAIRE ANNEE=\"24\"/>\n</PARAMETRES>\n<DONNEES/>\n</STS_EDT>",
    );
    assert!(short_year.contains("ligne 4"), "{short_year}");
    assert!(short_year.contains("« 24 »"), "{short_year}");

    let no_year = error_text(
        "<STS_EDT><PARAMETRES><UAJ CODE=\"0999999Z\"/><ANNEE_SCOLAIRE/></PARAMETRES><DONNEES/></STS_EDT>",
    );
    assert!(no_year.contains("pas d'attribut ANNEE"), "{no_year}");
}

#[test]
fn a_truncated_document_is_a_located_error() {
    let text = document("    <INDIVIDUS>\n      <INDIVIDU ID=\"1\" TYPE=\"epp\">\n");
    let truncated = &text[..text.find("</DONNEES>").unwrap()];
    let error = error_text(truncated);
    assert!(error.contains("tronqué"), "{error}");
    assert!(
        error.contains("sts_emp_0999999Z_2024.xml, ligne"),
        "{error}"
    );
}

#[test]
fn a_minimal_document_reads_and_writes_the_required_skeleton() {
    let (first, written) = round_trip(&document(""));
    assert_eq!(first.dataset.establishment.uaj, "0999999Z");
    assert!(first.diagnostics.is_empty());
    assert_eq!(
        written,
        "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<STS_EDT>\n  <PARAMETRES>\n    <UAJ CODE=\"0999999Z\"/>\n    <ANNEE_SCOLAIRE ANNEE=\"2024\"/>\n  </PARAMETRES>\n  <NOMENCLATURES>\n    <MATIERES/>\n  </NOMENCLATURES>\n  <DONNEES>\n    <INDIVIDUS/>\n    <STRUCTURE/>\n  </DONNEES>\n</STS_EDT>\n"
    );
}

#[test]
fn a_lower_case_or_malformed_uaj_is_kept_with_a_warning() {
    let text = document("").replace("0999999Z", "999999Z");
    let output = read(&text);
    assert_eq!(output.dataset.establishment.uaj, "999999Z");
    assert_eq!(
        codes_and_lines(&output.diagnostics),
        [(codes::VALEUR_INVALIDE.to_string(), Some(4))]
    );
    let lower = read(&document("").replace("0999999Z", "0999999z"));
    assert!(lower.diagnostics.is_empty(), "{:?}", lower.diagnostics);
}

#[test]
fn doubtful_values_are_reported_and_kept_verbatim() {
    let text = document(
        r#"    <HORAIRES>
      <HORAIRE JOUR="8">
        <DEBUT_COURS>0800</DEBUT_COURS>
      </HORAIRE>
      <HORAIRE JOUR="2">
        <DEBUT_COURS>8h75</DEBUT_COURS>
        <FIN_COURS>1700</FIN_COURS>
      </HORAIRE>
    </HORAIRES>
    <ALTERNANCES>
      <ALTERNANCE CODE="H">
        <LIBELLE_COURT>H</LIBELLE_COURT>
        <LIBELLE_LONG>HEBDO</LIBELLE_LONG>
        <SEMAINES>
          <DATE_DEBUT_SEMAINE>02/09/2024</DATE_DEBUT_SEMAINE>
          <DATE_DEBUT_SEMAINE>2024-09-09</DATE_DEBUT_SEMAINE>
        </SEMAINES>
      </ALTERNANCE>
    </ALTERNANCES>
    <INDIVIDUS>
      <INDIVIDU ID="1" TYPE="epp">
        <SEXE>1</SEXE>
        <NOM_USAGE>EXEMPLE</NOM_USAGE>
        <NOM_PATRONYMIQUE>EXEMPLE</NOM_PATRONYMIQUE>
        <PRENOM>JEAN</PRENOM>
        <DATE_NAISSANCE>31/01/1980</DATE_NAISSANCE>
      </INDIVIDU>
    </INDIVIDUS>
    <STRUCTURE>
      <DIVISIONS>
        <DIVISION CODE="3 A">
          <LIBELLE_LONG/>
          <EFFECTIF_PREVU>vingt</EFFECTIF_PREVU>
          <SERVICES/>
        </DIVISION>
      </DIVISIONS>
    </STRUCTURE>"#,
    );
    let (first, written) = round_trip(&text);
    let dataset = &first.dataset;
    let lines: Vec<Option<u32>> = first.diagnostics.iter().map(|d| d.line).collect();
    assert_eq!(lines, [Some(12), Some(16), Some(25), Some(36), Some(43)]);
    assert!(
        first
            .diagnostics
            .iter()
            .all(|diagnostic| diagnostic.code == codes::VALEUR_INVALIDE
                && diagnostic.file.as_deref() == Some("sts_emp_0999999Z_2024.xml"))
    );
    assert!(first.diagnostics[4].message.contains("« vingt »"));
    assert!(
        first.diagnostics[3]
            .message
            .contains("/STS_EDT/DONNEES/INDIVIDUS/INDIVIDU/DATE_NAISSANCE"),
        "{}",
        first.diagnostics[3].message
    );

    let member = &dataset.staff["1"];
    assert_eq!(member.birth_date, None);
    assert_eq!(
        member.extra.0,
        [ExtraNode::text("DATE_NAISSANCE", "31/01/1980")]
    );
    assert_eq!(dataset.divisions["3 A"].planned, None);
    assert_eq!(
        dataset.divisions["3 A"].extra.0,
        [ExtraNode::text("EFFECTIF_PREVU", "vingt")]
    );
    assert_eq!(dataset.timetable.day_hours.len(), 1, "JOUR=8 is not a day");
    assert_eq!(dataset.timetable.day_hours[0].start, None);
    let weeks = &dataset.timetable.alternances["H"].weeks;
    assert_eq!(weeks.len(), 1);
    // Nothing is lost in the written file.
    for kept in [
        "<HORAIRE JOUR=\"8\">",
        "<DEBUT_COURS>8h75</DEBUT_COURS>",
        "<DATE_DEBUT_SEMAINE>02/09/2024</DATE_DEBUT_SEMAINE>",
        "<DATE_NAISSANCE>31/01/1980</DATE_NAISSANCE>",
        "<EFFECTIF_PREVU>vingt</EFFECTIF_PREVU>",
    ] {
        assert!(written.contains(kept), "{kept} lost:\n{written}");
    }
    // Kept values are written where they belong, not after a placeholder.
    assert!(!written.contains("<DEBUT_COURS/>"), "{written}");
    let division = &written[written.find("<DIVISION CODE").unwrap()..];
    assert!(
        division.find("<EFFECTIF_PREVU>vingt").unwrap() < division.find("<SERVICES/>").unwrap(),
        "{written}"
    );
}

#[test]
fn records_without_their_key_or_seen_twice_are_kept_verbatim_where_they_were() {
    let text = document(
        r#"    <INDIVIDUS>
      <INDIVIDU TYPE="epp">
        <NOM_USAGE>SANS ID</NOM_USAGE>
      </INDIVIDU>
      <INDIVIDU ID="1" TYPE="epp">
        <NOM_USAGE>PREMIER</NOM_USAGE>
        <DISCIPLINES>
          <DISCIPLINE>
            <LIBELLE_COURT>SANS CODE</LIBELLE_COURT>
          </DISCIPLINE>
        </DISCIPLINES>
      </INDIVIDU>
      <INDIVIDU ID="1" TYPE="local">
        <NOM_USAGE>DOUBLON</NOM_USAGE>
      </INDIVIDU>
    </INDIVIDUS>
    <SUPPLEANTS>
      <SUPPLEANT ID="2">
        <NOM_USAGE>SANS TYPE</NOM_USAGE>
      </SUPPLEANT>
    </SUPPLEANTS>
    <STRUCTURE>
      <DIVISIONS>
        <DIVISION>
          <LIBELLE_LONG>SANS CODE</LIBELLE_LONG>
        </DIVISION>
        <DIVISION CODE="3 A">
          <LIBELLE_LONG/>
          <MEFS_APPARTENANCE>
            <MEF_APPARTENANCE/>
          </MEFS_APPARTENANCE>
          <SERVICES>
            <SERVICE CODE_MOD_COURS="CG">
              <ENSEIGNANTS/>
            </SERVICE>
            <SERVICE CODE_MATIERE="030201" CODE_MOD_COURS="CG">
              <ENSEIGNANTS>
                <ENSEIGNANT TYPE="epp"/>
                <ENSEIGNANT ID="1" TYPE="epp"/>
              </ENSEIGNANTS>
            </SERVICE>
          </SERVICES>
        </DIVISION>
      </DIVISIONS>
    </STRUCTURE>"#,
    );
    let (first, written) = round_trip(&text);
    let dataset = &first.dataset;
    assert_eq!(first.diagnostics.len(), 7, "{:#?}", first.diagnostics);
    assert!(
        first
            .diagnostics
            .iter()
            .all(|diagnostic| diagnostic.code == codes::VALEUR_INVALIDE)
    );
    assert!(first.diagnostics[2].message.contains("deux fois"));

    assert_eq!(dataset.staff.len(), 2);
    assert_eq!(dataset.staff["1"].usage_name.as_deref(), Some("PREMIER"));
    assert!(dataset.staff["1"].disciplines.is_empty());
    assert_eq!(dataset.staff["1"].extra.0[0].name, "DISCIPLINES");
    let substitute = &dataset.staff["2"];
    assert!(substitute.substitute);
    assert_eq!(substitute.kind.as_deref(), Some("eppsup"));
    assert_eq!(dataset.divisions.len(), 1);
    let division = &dataset.divisions["3 A"];
    assert!(division.mefs.is_empty());
    assert_eq!(
        division
            .extra
            .iter()
            .map(|node| node.name.as_str())
            .collect::<Vec<_>>(),
        ["MEFS_APPARTENANCE", "SERVICES"]
    );
    assert_eq!(dataset.services.len(), 1);
    assert_eq!(dataset.services[0].teachers.len(), 1);
    assert_eq!(dataset.services[0].extra.0[0].name, "ENSEIGNANTS");
    let leftovers = &dataset.extra.get("STS_EDT").unwrap().children;
    let donnees = &leftovers[0];
    assert_eq!(donnees.name, "DONNEES");
    let names: Vec<&str> = donnees
        .children
        .iter()
        .map(|node| node.name.as_str())
        .collect();
    assert_eq!(names, ["INDIVIDUS", "STRUCTURE"]);
    assert_eq!(
        donnees.children[0].children.len(),
        2,
        "no ID, and the duplicate"
    );

    // Each one is written back inside the element it came from.
    for kept in [
        "<NOM_USAGE>SANS ID</NOM_USAGE>",
        "<INDIVIDU ID=\"1\" TYPE=\"local\">",
        "<LIBELLE_COURT>SANS CODE</LIBELLE_COURT>",
        "<LIBELLE_LONG>SANS CODE</LIBELLE_LONG>",
        "<MEF_APPARTENANCE/>",
        "<SERVICE CODE_MOD_COURS=\"CG\">",
        "<ENSEIGNANT TYPE=\"epp\"/>",
        "<SUPPLEANT ID=\"2\" TYPE=\"eppsup\">",
    ] {
        assert!(written.contains(kept), "{kept} lost:\n{written}");
    }
    let individus =
        &written[written.find("<INDIVIDUS>").unwrap()..written.find("</INDIVIDUS>").unwrap()];
    assert!(individus.contains("SANS ID") && individus.contains("DOUBLON"));
}

#[test]
fn unknown_content_round_trips_whatever_its_place() {
    // Unknown blocks before the known ones, GROUPES before DIVISIONS, unknown children of
    // every list wrapper: the written file puts them back in DTD order, and reading it gives
    // the same model.
    let text = r#"<?xml version="1.0"?>
<STS_EDT>
  <AVANT/>
  <DONNEES>
    <BLOC_A>a</BLOC_A>
    <STRUCTURE>
      <INCONNU/>
      <GROUPES>
        <GROUPE CODE="G">
          <LIBELLE_LONG/>
          <SERVICES>
            <SERVICE CODE_MATIERE="2" CODE_MOD_COURS="CG">
              <ENSEIGNANTS>
                <AUTRE/>
              </ENSEIGNANTS>
            </SERVICE>
          </SERVICES>
        </GROUPE>
      </GROUPES>
      <DIVISIONS>
        <X/>
        <DIVISION CODE="B">
          <SERVICES>
            <Y/>
            <SERVICE CODE_MATIERE="1" CODE_MOD_COURS="CG">
              <ENSEIGNANTS>
                <ENSEIGNANT ID="7" TYPE="epp">
                  <COURS_RATTACHES>
                    <COURS>
                      <JOUR>1</JOUR>
                    </COURS>
                  </COURS_RATTACHES>
                </ENSEIGNANT>
              </ENSEIGNANTS>
            </SERVICE>
          </SERVICES>
        </DIVISION>
      </DIVISIONS>
    </STRUCTURE>
    <INDIVIDUS>
      <Z/>
    </INDIVIDUS>
    <BLOC_B/>
  </DONNEES>
  <NOMENCLATURES>
    <MATIERES>
      <AUTRE_MATIERE/>
    </MATIERES>
    <LISTE_INCONNUE/>
  </NOMENCLATURES>
  <PARAMETRES>
    <ANNEE_SCOLAIRE ANNEE="2024">
      <PERIODE>T1</PERIODE>
    </ANNEE_SCOLAIRE>
    <UAJ CODE="0999999Z">
      <ACADEMIE>
        <CODE>99</CODE>
      </ACADEMIE>
    </UAJ>
  </PARAMETRES>
  <APRES/>
</STS_EDT>
"#;
    let (first, written) = round_trip(text);
    assert!(first.diagnostics.is_empty(), "{:?}", first.diagnostics);
    let subjects: Vec<&str> = first
        .dataset
        .services
        .iter()
        .map(|service| service.subject.as_str())
        .collect();
    assert_eq!(subjects, ["1", "2"], "divisions' services first");
    assert_eq!(
        first.dataset.services[0].teachers[0].extra.0[0].name, "COURS_RATTACHES",
        "an emp_sts element in sts_emp is kept, not read as courses"
    );
    assert!(first.dataset.services[0].teachers[0].courses.is_empty());
    for kept in [
        "<AVANT/>",
        "<APRES/>",
        "<BLOC_A>a</BLOC_A>",
        "<BLOC_B/>",
        "<INCONNU/>",
        "<AUTRE/>",
        "<X/>",
        "<Y/>",
        "<Z/>",
        "<AUTRE_MATIERE/>",
        "<LISTE_INCONNUE/>",
        "<PERIODE>T1</PERIODE>",
        "<COURS_RATTACHES>",
    ] {
        assert!(written.contains(kept), "{kept} lost:\n{written}");
    }
    let order: Vec<usize> = [
        "<PARAMETRES>",
        "<PERIODE>T1</PERIODE>",
        "<NOMENCLATURES>",
        "<AUTRE_MATIERE/>",
        "<LISTE_INCONNUE/>",
        "<DONNEES>",
        "<INDIVIDUS>",
        "<Z/>",
        "<STRUCTURE>",
        "<DIVISIONS>",
        "<DIVISION CODE=\"B\">",
        "<Y/>",
        "<X/>",
        "<GROUPES>",
        "<AUTRE/>",
        "<INCONNU/>",
        "<BLOC_A>a</BLOC_A>",
        "<BLOC_B/>",
        "</DONNEES>",
        "<AVANT/>",
        "<APRES/>",
    ]
    .iter()
    .map(|needle| written.find(needle).unwrap())
    .collect();
    assert!(order.windows(2).all(|pair| pair[0] < pair[1]), "{written}");
}

#[test]
fn services_of_undeclared_structures_are_written_under_a_bare_element() {
    let mut dataset = Dataset::new("0999999Z", Some(2024));
    dataset.services.push(Service {
        structure: StructureRef {
            kind: StructureKind::Groupe,
            code: "G1".into(),
        },
        subject: "030201".into(),
        teachers: vec![ServiceTeacher {
            id: "7".into(),
            courses: vec![passerelle_core::model::Course::default()],
            ..ServiceTeacher::default()
        }],
        ..Service::default()
    });
    let written = write(&dataset);
    assert!(
        written.contains("<GROUPE CODE=\"G1\">\n          <LIBELLE_LONG/>\n          <SERVICES>\n            <SERVICE CODE_MATIERE=\"030201\">\n              <ENSEIGNANTS>\n                <ENSEIGNANT ID=\"7\"/>"),
        "{written}"
    );
    assert!(!written.contains("COURS"), "courses belong to emp_sts");
    let back = read(&written);
    assert_eq!(back.dataset.services.len(), 1);
    assert!(back.dataset.groups.contains_key("G1"));
}

#[test]
fn padded_attributes_and_any_attribute_order_are_read_the_same() {
    let text = document(
        r#"    <INDIVIDUS>
      <INDIVIDU TYPE=" epp " ID=" 12 ">
        <NOM_USAGE>  EXEMPLE  </NOM_USAGE>
      </INDIVIDU>
    </INDIVIDUS>
    <STRUCTURE>
      <DIVISIONS>
        <DIVISION CODE=" 3 A ">
          <LIBELLE_LONG>
          </LIBELLE_LONG>
          <SERVICES>
            <SERVICE CODE_MOD_COURS="CG" CODE_MATIERE="030201">
              <ENSEIGNANTS>
                <ENSEIGNANT TYPE="epp" ID="12"/>
              </ENSEIGNANTS>
            </SERVICE>
          </SERVICES>
        </DIVISION>
      </DIVISIONS>
    </STRUCTURE>"#,
    );
    let (first, written) = round_trip(&text);
    let member = &first.dataset.staff["12"];
    assert_eq!(member.kind.as_deref(), Some("epp"));
    assert_eq!(member.usage_name.as_deref(), Some("EXEMPLE"));
    assert_eq!(first.dataset.divisions["3 A"].label, None);
    let service = &first.dataset.services[0];
    assert_eq!(service.structure.code, "3 A");
    assert_eq!(
        (service.subject.as_str(), service.course_mode.as_deref()),
        ("030201", Some("CG"))
    );
    assert!(
        written.contains("<INDIVIDU ID=\"12\" TYPE=\"epp\">"),
        "{written}"
    );
    assert!(
        written.contains("<ENSEIGNANT ID=\"12\" TYPE=\"epp\"/>"),
        "{written}"
    );
}
