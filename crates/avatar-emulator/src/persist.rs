//! `--state FILE`: the store as JSON, written atomically (temporary file,
//! fsync, rename, fsync of the directory) after every acknowledged change.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::ledger::Store;

/// Writes the store to one file, one write at a time, newest state last.
pub struct Persister {
    path: PathBuf,
    writing: tokio::sync::Mutex<()>,
}

impl Persister {
    /// A persister for `path`.
    pub fn new(path: PathBuf) -> Persister {
        Persister {
            path,
            writing: tokio::sync::Mutex::new(()),
        }
    }

    /// The saved store, or `None` when the file does not exist yet.
    pub fn load(&self) -> Result<Option<Store>, String> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| format!("{} is not a valid state file: {e}", self.path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read {}: {e}", self.path.display())),
        }
    }

    /// Writes the current store. The snapshot is taken after this call
    /// holds the write lock, so it includes every change made before the
    /// call, and an older snapshot never overwrites a newer one.
    pub async fn save(&self, store: &Mutex<Store>) -> std::io::Result<()> {
        let _writing = self.writing.lock().await;
        let bytes = {
            let store = store.lock().unwrap_or_else(|e| e.into_inner());
            serde_json::to_vec(&*store).map_err(std::io::Error::other)?
        };
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || write_atomically(&path, &bytes))
            .await
            .map_err(std::io::Error::other)?
    }
}

/// Replaces `path` with `bytes` so that a crash leaves either the old or the new file.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("state")
    ));
    {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Account;

    #[tokio::test]
    async fn saved_store_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let p = Persister::new(dir.path().join("sub/state.json"));
        assert_eq!(p.load().unwrap(), None);
        let mut store = Store::default();
        store.accounts.insert(
            "sk_x".into(),
            Account {
                credits: 7,
                charged: 3,
                refunded: 1,
                held: 2,
            },
        );
        p.save(&Mutex::new(store.clone())).await.unwrap();
        assert_eq!(p.load().unwrap(), Some(store));
        std::fs::write(dir.path().join("sub/state.json"), b"{oops").unwrap();
        assert!(p.load().is_err());
    }
}
