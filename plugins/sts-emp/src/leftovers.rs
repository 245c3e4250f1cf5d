//! Where content the model does not name is kept, and how it is found again for writing.
//!
//! A container's *leftovers* are its children that the reader could not place: unknown
//! elements, records without their key or seen twice, values without the expected form.
//! Leftovers of a known sub-container are nested under a node named like that
//! sub-container, so that the writer puts each element back inside the element it came
//! from: `Division.extra` may hold `SERVICES { <unknown child of SERVICES> }` next to an
//! unknown child of `DIVISION` itself.

use passerelle_core::model::{Extra, ExtraNode};

/// Adds the leftovers of sub-container `name` to `leftovers` (nothing when there are none;
/// merged with an earlier node of the same name when the sub-container appeared twice).
pub fn push_nested(leftovers: &mut Vec<ExtraNode>, name: &str, children: Vec<ExtraNode>) {
    if children.is_empty() {
        return;
    }
    match leftovers.iter_mut().find(|node| node.name == name) {
        Some(node) => node.children.extend(children),
        None => leftovers.push(ExtraNode {
            name: name.to_string(),
            children,
            ..ExtraNode::default()
        }),
    }
}

/// The leftovers nested under sub-container `name`.
pub fn nested<'a>(leftovers: &'a [ExtraNode], name: &str) -> &'a [ExtraNode] {
    leftovers
        .iter()
        .find(|node| node.name == name)
        .map_or(&[], |node| node.children.as_slice())
}

/// The leftovers that belong to the container itself (not nested under one of `containers`).
pub fn own(leftovers: &[ExtraNode], containers: &[&str]) -> Extra {
    Extra(
        leftovers
            .iter()
            .filter(|node| !containers.contains(&node.name.as_str()))
            .cloned()
            .collect(),
    )
}

/// Puts leftovers in the order the writer gives them back: the container's own ones first,
/// in document order, then the nested ones in the order of `containers`. Reading a written
/// file then gives the same list, whatever the order of the original document.
pub fn normalize(mut leftovers: Vec<ExtraNode>, containers: &[&str]) -> Extra {
    leftovers.sort_by_key(|node| {
        containers
            .iter()
            .position(|container| *container == node.name)
            .map_or(0, |position| position + 1)
    });
    Extra(leftovers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_leftovers_merge_by_name_and_stay_apart_from_own_ones() {
        let mut leftovers = vec![ExtraNode::text("X", "1")];
        push_nested(&mut leftovers, "SERVICES", vec![ExtraNode::text("A", "a")]);
        push_nested(&mut leftovers, "SERVICES", vec![ExtraNode::text("B", "b")]);
        push_nested(&mut leftovers, "ENSEIGNANTS", Vec::new());
        assert_eq!(leftovers.len(), 2);
        assert_eq!(
            nested(&leftovers, "SERVICES"),
            [ExtraNode::text("A", "a"), ExtraNode::text("B", "b")]
        );
        assert!(nested(&leftovers, "ENSEIGNANTS").is_empty());
        assert_eq!(
            own(&leftovers, &["SERVICES"]),
            Extra(vec![ExtraNode::text("X", "1")])
        );
    }

    #[test]
    fn normalized_leftovers_put_own_nodes_first_then_containers_in_order() {
        let mut leftovers = Vec::new();
        push_nested(&mut leftovers, "B", vec![ExtraNode::text("b", "1")]);
        leftovers.push(ExtraNode::text("Y", "1"));
        push_nested(&mut leftovers, "A", vec![ExtraNode::text("a", "1")]);
        leftovers.push(ExtraNode::text("X", "1"));
        let names: Vec<String> = normalize(leftovers, &["A", "B"])
            .iter()
            .map(|node| node.name.clone())
            .collect();
        assert_eq!(names, ["Y", "X", "A", "B"]);
    }
}
