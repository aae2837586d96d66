use super::MessageKey;

/// A password someone chose, checked against the policy: at least 8 characters, at most
/// 128, not one of the passwords attackers try first, not the account's own email.
pub struct NewPassword(String);

const COMMON: &str = include_str!("common_passwords.txt");

impl NewPassword {
    pub const MIN_LEN: usize = 8;
    pub const MAX_LEN: usize = 128;

    pub fn parse(password: &str, confirmation: &str, email: &str) -> Result<Self, MessageKey> {
        let length = password.chars().count();
        if length == 0 {
            return Err("error-required");
        }
        if length < Self::MIN_LEN {
            return Err("error-password-short");
        }
        if length > Self::MAX_LEN {
            return Err("error-password-long");
        }
        let lowered = password.to_lowercase();
        let mut chars = lowered.chars();
        let first = chars.next();
        let one_repeated = chars.all(|c| Some(c) == first);
        let local_part = email.split('@').next().unwrap_or_default();
        if one_repeated
            || is_common(&lowered)
            || lowered == email.to_lowercase()
            || (!local_part.is_empty() && lowered == local_part.to_lowercase())
        {
            return Err("error-password-common");
        }
        if password != confirmation {
            return Err("error-password-mismatch");
        }
        Ok(Self(password.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

fn is_common(lowered: &str) -> bool {
    COMMON
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|l| l == lowered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_refuses_short_common_and_mismatched_passwords() {
        let check = |p: &str, c: &str| NewPassword::parse(p, c, "mario@example.it").err();
        assert_eq!(check("", ""), Some("error-required"));
        assert_eq!(check("abc", "abc"), Some("error-password-short"));
        assert_eq!(
            check("password1", "password1"),
            Some("error-password-common")
        );
        assert_eq!(
            check("Juventus1897", "Juventus1897"),
            Some("error-password-common")
        );
        assert_eq!(
            check("aaaaaaaaaa", "aaaaaaaaaa"),
            Some("error-password-common")
        );
        assert_eq!(
            check("mario@example.it", "mario@example.it"),
            Some("error-password-common")
        );
        assert_eq!(
            check("torni-e-frese-42", "torni-e-frese-43"),
            Some("error-password-mismatch")
        );
        assert_eq!(check("torni-e-frese-42", "torni-e-frese-42"), None);
    }
}
