//! Robustness against hostile and broken inputs (issue 9): the bad-input corpus of
//! `fixtures/invalides/`, the reading limits, property tests of every reader and writer,
//! atomic outputs, and unknown elements kept.
#![cfg(test)]

mod binary;
mod corpus;
mod extras;
mod limits;
mod outputs;
mod properties;
