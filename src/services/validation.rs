use crate::domain::MessageKey;

/// Problems with a submitted form, by field name, as translation keys.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(Vec<FieldError>);

/// One field's problem; `line` points into a multi-line field.
#[derive(Debug, Clone)]
pub struct FieldError {
    pub field: &'static str,
    pub key: MessageKey,
    pub line: Option<usize>,
}

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, key: MessageKey) {
        if self.get(field).is_none() {
            self.0.push(FieldError {
                field,
                key,
                line: None,
            });
        }
    }

    pub fn add_line(&mut self, field: &'static str, key: MessageKey, line: usize) {
        if self.get(field).is_none() {
            self.0.push(FieldError {
                field,
                key,
                line: Some(line),
            });
        }
    }

    pub fn get(&self, field: &str) -> Option<&FieldError> {
        self.0.iter().find(|e| e.field == field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }

    /// Keeps a parsed value, or records its error under `field`.
    pub fn check<T>(&mut self, field: &'static str, parsed: Result<T, MessageKey>) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(key) => {
                self.add(field, key);
                None
            }
        }
    }
}
