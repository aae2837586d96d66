//! Tests for ops.
