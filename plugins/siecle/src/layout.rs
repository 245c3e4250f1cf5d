//! Record layouts: the children a SIECLE record has, in SIECLE's order, and which are required.
//!
//! Reading takes the modelled fields out of a record ([`Record`]) and keeps every other child,
//! in document order, for the entity's `extra`. Writing ([`write_fields`]) puts the modelled
//! fields back in SIECLE's order with the kept children at their places, so that
//! read → write → read gives the same model whatever the file held.

use passerelle_core::model::{Extra, ExtraNode};
use passerelle_core::xml::{Node, XmlWriter};

/// One child element of a record.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Field {
    /// Element name.
    pub(crate) name: &'static str,
    /// Written (empty when there is no value) even when the model has nothing for it.
    pub(crate) required: bool,
}

/// A child that SIECLE always writes (`1` in SIECLE.md).
pub(crate) const fn one(name: &'static str) -> Field {
    Field {
        name,
        required: true,
    }
}

/// A child SIECLE leaves out when it has no value (`?` in SIECLE.md).
pub(crate) const fn opt(name: &'static str) -> Field {
    Field {
        name,
        required: false,
    }
}

/// The children of one kind of record, in SIECLE's order.
#[derive(Debug)]
pub(crate) struct Layout {
    /// Children in order.
    pub(crate) fields: &'static [Field],
    /// Elements of STS's dialect that a shared entity (division, MEF…) may carry in its extra
    /// when it was read from `sts_emp`: they are not SIECLE elements and are never written.
    pub(crate) foreign: &'static [&'static str],
}

impl Layout {
    /// Index of a child in the layout.
    fn slot(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|field| field.name == name)
    }

    fn is_required(&self, name: &str) -> bool {
        self.slot(name)
            .is_some_and(|index| self.fields[index].required)
    }
}

/// `<X/>`, `<X></X>` and `<X>  </X>`: the same as an absent element.
fn is_blank(node: &Node) -> bool {
    node.children.is_empty() && node.attributes.is_empty() && node.value().is_none()
}

/// A value that could not be converted: the child stays in the extra.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Unconverted {
    /// Element name.
    pub(crate) name: String,
    /// Its line.
    pub(crate) line: u32,
    /// Its trimmed text.
    pub(crate) text: String,
}

/// A record being read: modelled fields are taken out, the rest becomes the extra.
pub(crate) struct Record<'a> {
    node: &'a Node,
    layout: &'static Layout,
    used: Vec<bool>,
}

impl<'a> Record<'a> {
    /// Starts reading a record laid out as `layout`.
    pub(crate) fn new(node: &'a Node, layout: &'static Layout) -> Self {
        Record {
            node,
            layout,
            used: vec![false; node.children.len()],
        }
    }

    /// The trimmed value of the first non-blank child among `names` (a renamed element lists
    /// its names, newest first). Blank children with these names are absent values and are
    /// dropped; a second non-blank one stays in the extra.
    pub(crate) fn take(&mut self, names: &[&str]) -> Option<String> {
        self.take_parsed(names, |text| Ok::<_, ()>(text.to_string()))
            .unwrap_or_default()
    }

    /// Like [`take`](Self::take), converting the value; a value that does not convert is
    /// left in the extra (so that it is written back as found) and returned as the error.
    pub(crate) fn take_parsed<T, E>(
        &mut self,
        names: &[&str],
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Result<Option<T>, Unconverted> {
        let mut found = None;
        for (index, child) in self.node.children.iter().enumerate() {
            if self.used[index] || !names.contains(&child.name.as_str()) {
                continue;
            }
            if is_blank(child) {
                self.used[index] = true;
            } else if found.is_none() {
                found = Some(index);
            }
        }
        let Some(index) = found else {
            return Ok(None);
        };
        let child = &self.node.children[index];
        let Some(text) = child.value() else {
            // Children where a value was expected: kept verbatim.
            return Ok(None);
        };
        match parse(text) {
            Ok(value) => {
                self.used[index] = true;
                Ok(Some(value))
            }
            Err(_) => Err(Unconverted {
                name: child.name.clone(),
                line: child.line,
                text: text.to_string(),
            }),
        }
    }

    /// The first child named `name` that is not taken yet, taken whole (for containers).
    pub(crate) fn take_node(&mut self, name: &str) -> Option<&'a Node> {
        let index = self
            .node
            .children
            .iter()
            .enumerate()
            .position(|(index, child)| !self.used[index] && child.name == name)?;
        self.used[index] = true;
        Some(&self.node.children[index])
    }

    /// Every child not taken, in document order. Blank required children are dropped: the
    /// writer writes them anyway, so keeping them would not survive a round trip.
    pub(crate) fn rest(self) -> Extra {
        Extra(
            self.node
                .children
                .iter()
                .zip(self.used)
                .filter(|(child, used)| {
                    !used && (!is_blank(child) || !self.layout.is_required(&child.name))
                })
                .map(|(child, _)| child.to_extra())
                .collect(),
        )
    }
}

/// Writes `<name>value</name>` when there is a non-empty value; says whether it wrote.
pub(crate) fn leaf(writer: &mut XmlWriter, name: &str, value: Option<&str>) -> bool {
    match value.map(str::trim).filter(|value| !value.is_empty()) {
        Some(value) => {
            writer.leaf(name, value);
            true
        }
        None => false,
    }
}

/// Writes one kept element.
pub(crate) fn write_node(writer: &mut XmlWriter, node: &ExtraNode) {
    writer.extra(&Extra(vec![node.clone()]));
}

/// Writes a whole record: `<name …>`, its children as [`write_fields`] does, `</name>`.
pub(crate) fn write_record(
    writer: &mut XmlWriter,
    name: &str,
    attributes: &[(&str, &str)],
    layout: &Layout,
    extra: &Extra,
    emit: impl FnMut(&mut XmlWriter, &'static str) -> bool,
) {
    writer.open(name, attributes);
    write_fields(writer, layout, extra, emit);
    writer.close();
}

/// Writes a record whose modelled children are leaves: `values` gives each one's value.
pub(crate) fn write_leaves(
    writer: &mut XmlWriter,
    name: &str,
    attributes: &[(&str, &str)],
    layout: &Layout,
    extra: &Extra,
    values: &[(&str, Option<&str>)],
) {
    write_record(writer, name, attributes, layout, extra, |writer, field| {
        let value = values
            .iter()
            .find(|(name, _)| *name == field)
            .and_then(|(_, value)| *value);
        leaf(writer, field, value)
    });
}

/// Writes the children of a record: `emit` writes the modelled child of a name (and says
/// whether it wrote one), the kept children of `extra` go back where they were.
///
/// Kept children appear in their own order. A known child is written after the modelled
/// children that precede it in SIECLE's order; an unknown child just before the next known
/// kept child (or at the end). A required child that neither the model nor the extra holds
/// is written empty.
pub(crate) fn write_fields(
    writer: &mut XmlWriter,
    layout: &Layout,
    extra: &Extra,
    mut emit: impl FnMut(&mut XmlWriter, &'static str) -> bool,
) {
    let kept: Vec<&ExtraNode> = extra
        .iter()
        .filter(|node| !layout.foreign.contains(&node.name.as_str()))
        .collect();
    let mut cursor = 0;
    let mut emit_until = |writer: &mut XmlWriter, cursor: &mut usize, end: usize| {
        while *cursor < end {
            let field = layout.fields[*cursor];
            let wrote = emit(writer, field.name);
            if !wrote && field.required && !kept.iter().any(|node| node.name == field.name) {
                writer.empty(field.name, &[]);
            }
            *cursor += 1;
        }
    };
    for (index, node) in kept.iter().enumerate() {
        match layout.slot(&node.name) {
            Some(slot) if slot >= cursor => emit_until(writer, &mut cursor, slot + 1),
            Some(_) => {}
            None => {
                let next_known = kept[index + 1..]
                    .iter()
                    .filter_map(|next| layout.slot(&next.name))
                    .find(|slot| *slot >= cursor)
                    .unwrap_or(layout.fields.len());
                emit_until(writer, &mut cursor, next_known);
            }
        }
        write_node(writer, node);
    }
    emit_until(writer, &mut cursor, layout.fields.len());
}

#[cfg(test)]
mod tests {
    use super::*;
    use passerelle_core::xml::XmlStream;

    static LAYOUT: Layout = Layout {
        fields: &[one("A"), opt("B"), one("C"), opt("D"), one("E")],
        foreign: &["STS_ONLY"],
    };

    fn node(xml: &str) -> Node {
        let mut stream = XmlStream::new(xml, "t.xml");
        let root = stream.root().unwrap();
        stream.read_node(root).unwrap()
    }

    fn written(extra: &Extra, values: &[(&str, &str)]) -> String {
        let mut writer = XmlWriter::default();
        writer.open("R", &[]);
        write_fields(&mut writer, &LAYOUT, extra, |writer, name| {
            let value = values.iter().find(|(key, _)| *key == name).map(|(_, v)| *v);
            leaf(writer, name, value)
        });
        writer.finish()
    }

    #[test]
    fn blank_values_are_absent_and_duplicates_are_kept() {
        let record = node("<R><A/><A> 1 </A><A>2</A><B>  </B><X>x</X><C></C></R>");
        let mut reading = Record::new(&record, &LAYOUT);
        assert_eq!(reading.take(&["A"]), Some("1".into()));
        let rest = reading.rest();
        let names: Vec<_> = rest.iter().map(|n| n.name.as_str()).collect();
        // B is optional and kept empty; C is required and blank, so dropped.
        assert_eq!(names, ["A", "B", "X"]);
    }

    #[test]
    fn renamed_elements_take_the_first_with_a_value() {
        let record = node("<R><NOM>ANCIEN</NOM></R>");
        let mut reading = Record::new(&record, &LAYOUT);
        assert_eq!(
            reading.take(&["NOM_DE_FAMILLE", "NOM"]),
            Some("ANCIEN".into())
        );
        assert!(reading.rest().is_empty());
    }

    #[test]
    fn unconverted_values_stay_in_the_extra() {
        let record = node("<R>\n<D>31/02/2024</D></R>");
        let mut reading = Record::new(&record, &LAYOUT);
        let error = reading
            .take_parsed(&["D"], |text| {
                passerelle_core::dates::parse_french(text).ok_or(())
            })
            .unwrap_err();
        assert_eq!(error.line, 2);
        assert_eq!(reading.rest().0[0].text.as_deref(), Some("31/02/2024"));
    }

    #[test]
    fn fields_are_written_in_order_with_kept_children_in_place() {
        let extra = Extra(vec![
            ExtraNode::text("B", "kept b"),
            ExtraNode::text("X", "unknown"),
            ExtraNode::text("D", "kept d"),
            ExtraNode::text("STS_ONLY", "never"),
        ]);
        let text = written(&extra, &[("A", "a"), ("E", "e")]);
        assert_eq!(
            text,
            "<R>\n  <A>a</A>\n  <B>kept b</B>\n  <C/>\n  <X>unknown</X>\n  <D>kept d</D>\n  <E>e</E>\n</R>\n"
        );
    }

    #[test]
    fn required_children_held_by_the_extra_are_not_doubled() {
        let extra = Extra(vec![ExtraNode::text("C", "not a date")]);
        let text = written(&extra, &[]);
        assert_eq!(text, "<R>\n  <A/>\n  <C>not a date</C>\n  <E/>\n</R>\n");
    }

    #[test]
    fn out_of_order_children_keep_their_order() {
        // The extra lists E before B: the writer keeps that order.
        let extra = Extra(vec![ExtraNode::text("E", "e"), ExtraNode::text("B", "b")]);
        let text = written(&extra, &[("A", "a")]);
        assert_eq!(
            text,
            "<R>\n  <A>a</A>\n  <C/>\n  <E>e</E>\n  <B>b</B>\n</R>\n"
        );
    }
}
