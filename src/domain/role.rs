use std::fmt;
use std::str::FromStr;

/// What a user may do: administer the portal, manage the channel, or work one dealer's leads.
/// Stored as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum Role {
    Admin,
    Manager,
    Dealer,
}

choices!(
    /// What an emailed single-use link is for; a token issued for one purpose is refused
    /// for another. Stored as text.
    TokenPurpose, "error-status-invalid", {
        PasswordReset => "reset",
        Invitation => "invite",
    }
);

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Manager, Role::Dealer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Dealer => "dealer",
        }
    }

    /// Where this role lands after logging in.
    pub fn home_path(self) -> &'static str {
        match self {
            Role::Admin => "/admin",
            Role::Manager => "/manager",
            Role::Dealer => "/dealer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = &'static str;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "admin" => Ok(Role::Admin),
            "manager" => Ok(Role::Manager),
            "dealer" => Ok(Role::Dealer),
            _ => Err("error-role-invalid"),
        }
    }
}
