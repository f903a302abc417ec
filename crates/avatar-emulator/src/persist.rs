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
    // A temporary name of this write's own: two emulators given the same
    // `--state` (a test's "restart" while the first still runs) once wrote
    // one shared `.state.json.tmp` at the same time, and the second rename
    // found no file (its start-up failed).
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(
        ".{}.{}-{n}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("state"),
        std::process::id()
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_emulators_saving_to_one_state_file_never_fail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let (a, b) = (Persister::new(path.clone()), Persister::new(path.clone()));
        let store = Mutex::new(Store::default());
        let saves = |p: Persister| {
            let store = &store;
            async move {
                for _ in 0..100 {
                    p.save(store).await?;
                }
                std::io::Result::Ok(())
            }
        };
        let (ra, rb) = tokio::join!(saves(a), saves(b));
        ra.unwrap();
        rb.unwrap();
        assert_eq!(Persister::new(path).load().unwrap(), Some(Store::default()));
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
    }
}
