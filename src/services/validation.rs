use crate::domain::MessageKey;
use crate::error::AppError;
use crate::i18n::Locale;

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

    /// The problems in English, `field: message` separated by `; ` (the command line).
    pub fn in_english(&self) -> String {
        self.iter()
            .map(|e| format!("{}: {}", e.field, Locale::En.t(e.key)))
            .collect::<Vec<_>>()
            .join("; ")
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

/// Why a form was not saved: problems to show on the form again, or a failure the person
/// cannot fix (a database error, a record that is gone).
#[derive(Debug, thiserror::Error)]
pub enum FormError {
    #[error("{}", .0.in_english())]
    Invalid(FieldErrors),
    #[error(transparent)]
    App(#[from] AppError),
}

impl FormError {
    /// A form refused for one problem of one field.
    pub fn invalid(field: &'static str, key: MessageKey) -> Self {
        let mut errors = FieldErrors::default();
        errors.add(field, key);
        Self::Invalid(errors)
    }

    /// This error where the input was built by the program (demo data), so a problem in
    /// it is a bug: an internal error naming `what`.
    pub fn unexpected(self, what: &str) -> AppError {
        match self {
            Self::Invalid(errors) => {
                AppError::Internal(anyhow::anyhow!("{what} invalid: {errors:?}"))
            }
            Self::App(e) => e,
        }
    }
}

impl From<FieldErrors> for FormError {
    fn from(errors: FieldErrors) -> Self {
        Self::Invalid(errors)
    }
}

impl From<diesel::result::Error> for FormError {
    fn from(e: diesel::result::Error) -> Self {
        Self::App(e.into())
    }
}
