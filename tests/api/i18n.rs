//! Tests for i18n.
