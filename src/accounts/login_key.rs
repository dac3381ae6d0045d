//! The key login names are stored under.
//!
//! The database never holds a login name as typed: only HMAC-SHA256 of its normalised form
//! under a 256-bit key that lives in a file of its own (`accounts.login_key_path`). Whoever
//! holds the database, or a backup of it, without that file can neither read a login name
//! nor test a guess. With the file as well, guesses can be tested one by one (that is what
//! logging in does); names still cannot be read back.
//!
//! Owns the key file (created once, atomically, readable by its owner only) and bringing
//! accounts stored before this existed under the key. It never logs a name.

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use diesel::prelude::*;
use hmac::{Hmac, KeyInit, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::db::schema::accounts;
use crate::db::{self, DbConnection};
use crate::error::AppError;

const KEY_BYTES: usize = 32;
/// A stored login hash: 32 bytes in lowercase hex. A login name has at most 32 characters,
/// so a stored value that is not 64 hex characters is a name from before the key.
const HASH_CHARS: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum LoginKeyError {
    #[error(
        "the login key file {0} is missing, and the database holds accounts stored under a \
         key: without the file nobody can log in. Restore it from a backup, or point \
         accounts.login_key_path at it"
    )]
    Missing(PathBuf),
    #[error("the login key file {path} cannot be used: {reason}")]
    Unusable { path: PathBuf, reason: String },
    #[error(transparent)]
    App(#[from] AppError),
}

#[derive(Clone)]
pub struct LoginKey {
    key: [u8; KEY_BYTES],
}

impl fmt::Debug for LoginKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LoginKey(..)")
    }
}

impl LoginKey {
    /// The stored form of a login name's key (as `names::check` gives it).
    pub fn hash(&self, login_key: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key size");
        mac.update(login_key.as_bytes());
        crate::secrets::hex(&mac.finalize().into_bytes())
    }

    /// Reads the key file.
    pub fn read(path: &Path) -> Result<LoginKey, LoginKeyError> {
        let unusable = |reason: String| LoginKeyError::Unusable {
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| unusable(e.to_string()))?;
        let hex = text.trim();
        if hex.len() != KEY_BYTES * 2 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(unusable(format!(
                "it must hold {} hex characters",
                KEY_BYTES * 2
            )));
        }
        let mut key = [0u8; KEY_BYTES];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("checked as hex");
        }
        Ok(LoginKey { key })
    }

    /// Reads the key file, or creates it with a fresh random key when there is none and
    /// `may_create`. Two processes creating it at once end up with the same key: the file
    /// appears under its name complete or not at all, and the later one reads the earlier
    /// one's.
    pub fn open(path: &Path, may_create: bool) -> Result<LoginKey, LoginKeyError> {
        if path.exists() {
            return LoginKey::read(path);
        }
        if !may_create {
            return Err(LoginKeyError::Missing(path.to_path_buf()));
        }
        let unusable = |e: std::io::Error| LoginKeyError::Unusable {
            path: path.to_path_buf(),
            reason: e.to_string(),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(unusable)?;
        }
        let mut key = [0u8; KEY_BYTES];
        rand::rng().fill_bytes(&mut key);
        let hex = crate::secrets::hex(&key);
        let temporary = path.with_extension(format!("new-{}", std::process::id()));
        let written = write_private(&temporary, &format!("{hex}\n"))
            .and_then(|()| std::fs::hard_link(&temporary, path));
        let _ = std::fs::remove_file(&temporary);
        match written {
            Ok(()) => Ok(LoginKey { key }),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => LoginKey::read(path),
            Err(e) => Err(unusable(e)),
        }
    }
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

fn is_hash(stored: &str) -> bool {
    stored.len() == HASH_CHARS
        && stored
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Opens the instance's login key at start-up, and stores any account that still holds its
/// login name as typed (from before the key) under it. Answers the key and how many
/// accounts it brought under it.
pub fn prepare(conn: &mut DbConnection, path: &Path) -> Result<(LoginKey, usize), LoginKeyError> {
    let stored: Vec<(String, String)> = accounts::table
        .select((accounts::id, accounts::login_hash))
        .load(conn)
        .map_err(AppError::from)?;
    let (hashed, plain): (Vec<_>, Vec<_>) = stored.into_iter().partition(|(_, s)| is_hash(s));
    let key = LoginKey::open(path, hashed.is_empty())?;
    if plain.is_empty() {
        return Ok((key, 0));
    }
    let count = plain.len();
    db::write(conn, |conn| {
        for (id, name) in &plain {
            diesel::update(accounts::table.find(id))
                .set(accounts::login_hash.eq(key.hash(name)))
                .execute(conn)?;
        }
        Ok(())
    })?;
    Ok((key, count))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_is_created_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("login.key");
        assert!(matches!(
            LoginKey::open(&path, false),
            Err(LoginKeyError::Missing(_))
        ));
        let first = LoginKey::open(&path, true).unwrap();
        let again = LoginKey::open(&path, true).unwrap();
        assert_eq!(first.hash("anna"), again.hash("anna"));
        assert_ne!(first.hash("anna"), first.hash("anne"));
        assert!(is_hash(&first.hash("anna")));
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("login.key")]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn another_key_gives_other_hashes_and_a_bad_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = LoginKey::open(&dir.path().join("a.key"), true).unwrap();
        let b = LoginKey::open(&dir.path().join("b.key"), true).unwrap();
        assert_ne!(a.hash("anna"), b.hash("anna"));
        let bad = dir.path().join("bad.key");
        std::fs::write(&bad, "not a key\n").unwrap();
        assert!(matches!(
            LoginKey::open(&bad, true),
            Err(LoginKeyError::Unusable { .. })
        ));
    }

    #[test]
    fn a_login_name_is_never_mistaken_for_a_hash() {
        // The longest allowed login name is 32 characters; hashes are 64.
        assert!(!is_hash(&"a".repeat(32)));
        assert!(!is_hash("anna"));
        assert!(is_hash(&"0123456789abcdef".repeat(4)));
        assert!(!is_hash(&"0123456789ABCDEF".repeat(4)));
    }
}
