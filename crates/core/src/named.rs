//! `named!`: an enum of the names a record field may hold (a complaint's category, a lead's
//! grade), with its stable name, parsing, and the label people read in Chinese or English —
//! one definition for every such list, so tablet, server and exports agree.

macro_rules! named {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $key:literal, $zh:literal, $en:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &[$name] = &[$($name::$variant),+];

            /// The stable name stored in records.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }

            /// The name people read, in Chinese or English.
            pub fn label(self, zh: bool) -> &'static str {
                match (self, zh) {
                    $(($name::$variant, true) => $zh, ($name::$variant, false) => $en),+
                }
            }
        }
    };
}

pub(crate) use named;
