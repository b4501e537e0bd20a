//! Who may call the admin API: bearer tokens from `SPORTELLO_ADMIN_TOKENS`, and the
//! middleware that checks them on every route.
//!
//! Tokens are kept only as HMAC-SHA256 tags and a presented token is checked against
//! every one of them with `hmac`'s `verify_slice` (constant time), so neither the
//! content nor the length of a token leaks through timing. Tokens are never logged,
//! echoed or shown by `Debug`.

use std::str::FromStr;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::AdminState;
use super::error::ApiError;

/// The shortest token accepted, in characters.
pub const MIN_TOKEN_LEN: usize = 16;

/// The HMAC key tokens are hashed with (domain separation, not a secret).
const TAG_KEY: &[u8] = b"sportello admin API token v1";

/// The tokens that open the admin API. Parsed from `"tok1,tok2"`; an empty list
/// disables the API. `Debug` shows only how many there are.
#[derive(Clone, Default)]
pub struct AdminTokens {
    tags: Vec<Vec<u8>>,
}

/// Why `SPORTELLO_ADMIN_TOKENS` was refused. Never contains a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokensError {
    /// A token too short to resist guessing.
    #[error(
        "admin token {position} is too short ({length} characters); use at least {MIN_TOKEN_LEN}, e.g. `openssl rand -hex 32`"
    )]
    TooShort {
        /// The token's place in the list, from 1.
        position: usize,
        /// Its length in characters.
        length: usize,
    },
    /// A token with a character that would not survive the list's parsing.
    #[error(
        "admin token {position} has a character other than printable ASCII (spaces and commas included)"
    )]
    BadCharacter {
        /// The token's place in the list, from 1.
        position: usize,
    },
}

impl AdminTokens {
    /// No tokens: the admin API is disabled.
    pub fn none() -> AdminTokens {
        AdminTokens::default()
    }

    /// The given tokens, each at least [`MIN_TOKEN_LEN`] printable ASCII characters
    /// without spaces or commas. Positions in errors count from 1.
    pub fn new<I, T>(tokens: I) -> Result<AdminTokens, TokensError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        let mut tags = Vec::new();
        for (index, token) in tokens.into_iter().enumerate() {
            let token = token.as_ref();
            let position = index + 1;
            if !token.bytes().all(|b| b.is_ascii_graphic() && b != b',') {
                return Err(TokensError::BadCharacter { position });
            }
            if token.len() < MIN_TOKEN_LEN {
                return Err(TokensError::TooShort {
                    position,
                    length: token.chars().count(),
                });
            }
            tags.push(tag(token.as_bytes()));
        }
        Ok(AdminTokens { tags })
    }

    /// True when no token is configured (the API is disabled).
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
    }

    /// How many tokens are configured.
    pub fn len(&self) -> usize {
        self.tags.len()
    }

    /// Whether `presented` is one of the tokens. Takes the same time whichever token
    /// matches, and whatever `presented` holds.
    pub fn accepts(&self, presented: &str) -> bool {
        let Ok(mac) = Hmac::<Sha256>::new_from_slice(TAG_KEY) else {
            return false;
        };
        let mac = mac.chain_update(presented.as_bytes());
        // No early exit: every tag is checked.
        self.tags.iter().fold(false, |found, tag| {
            mac.clone().verify_slice(tag).is_ok() | found
        })
    }
}

/// `"tok1,tok2"`: comma-separated, blanks around each token ignored; `""` → none.
impl FromStr for AdminTokens {
    type Err = TokensError;

    fn from_str(list: &str) -> Result<AdminTokens, TokensError> {
        AdminTokens::new(list.split(',').map(str::trim).filter(|t| !t.is_empty()))
    }
}

impl std::fmt::Debug for AdminTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AdminTokens({} configured)", self.tags.len())
    }
}

fn tag(token: &[u8]) -> Vec<u8> {
    match Hmac::<Sha256>::new_from_slice(TAG_KEY) {
        Ok(mac) => mac.chain_update(token).finalize().into_bytes().to_vec(),
        // HMAC takes keys of any length; an empty tag matches nothing.
        Err(_) => Vec::new(),
    }
}

/// The token of an `Authorization: Bearer <token>` header (scheme in any case).
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Lets a request through only with a valid bearer token: 404 while the API is
/// disabled, 401 (with `WWW-Authenticate: Bearer`) without a token or with a wrong one.
pub(super) async fn require_token(
    State(state): State<AdminState>,
    request: Request,
    next: Next,
) -> Response {
    if state.tokens.is_empty() {
        return ApiError::Disabled.into_response();
    }
    let refusal = match bearer(request.headers()) {
        None => "a bearer token is required: send `Authorization: Bearer <token>`",
        Some(token) if !state.tokens.accepts(token) => "the bearer token is not valid",
        Some(_) => return next.run(request).await,
    };
    tracing::warn!(
        method = %request.method(),
        path = request.uri().path(),
        "admin API request refused: {refusal}"
    );
    ApiError::Unauthorized(refusal).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "0123456789abcdef-first";
    const B: &str = "fedcba9876543210-second";

    #[test]
    fn parses_a_comma_separated_list() {
        let tokens: AdminTokens = format!(" {A} ,{B},").parse().unwrap_or_default();
        assert_eq!(tokens.len(), 2);
        assert!(tokens.accepts(A));
        assert!(tokens.accepts(B));
        assert!(!tokens.accepts("0123456789abcdef-firs"));
        assert!(!tokens.accepts(""));
    }

    #[test]
    fn empty_means_disabled() {
        let tokens: Result<AdminTokens, _> = " , ".parse();
        assert!(tokens.is_ok_and(|t| t.is_empty()));
        assert!(!AdminTokens::none().accepts(A));
    }

    #[test]
    fn short_tokens_are_refused_without_being_echoed() {
        let err = format!("{A},tiny!").parse::<AdminTokens>().err();
        assert_eq!(
            err,
            Some(TokensError::TooShort {
                position: 2,
                length: 5
            })
        );
        let message = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(!message.contains("tiny!"), "{message}");
        assert!(message.contains("at least 16"), "{message}");
    }

    #[test]
    fn debug_shows_no_token() {
        let tokens = AdminTokens::new([A]).unwrap_or_default();
        let shown = format!("{tokens:?}");
        assert_eq!(shown, "AdminTokens(1 configured)");
    }

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            header::HeaderValue::from_static("bearer abc"),
        );
        assert_eq!(bearer(&headers), Some("abc"));
        headers.insert(
            header::AUTHORIZATION,
            header::HeaderValue::from_static("Basic abc"),
        );
        assert_eq!(bearer(&headers), None);
    }
}
