//! The last balance the API reported per key prefix (a 402 carries it; no
//! endpoint gives it otherwise), how it is saved, and the handle that keeps
//! it ([`CreditBalances`], part of the [`crate::ctx::Connection`]).

use leptos::prelude::*;

use crate::storage::{Scope, local};

/// The last balance the API reported for a key (a 402 carries it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Balance {
    /// Credits the key had.
    pub credits: u64,
    /// When the answer came, Unix ms.
    pub at_ms: u64,
}

/// The last balance per key prefix, oldest report first.
pub type Balances = Vec<(String, Balance)>;

/// Balances as saved (`localStorage`): a line `credits at_ms prefix` per
/// key (plain text, not JSON: no serde code for it in the wasm).
pub fn encode_balances(balances: &Balances) -> String {
    balances
        .iter()
        .map(|(key, b)| format!("{} {} {key}\n", b.credits, b.at_ms))
        .collect()
}

/// Reads saved balances; an unreadable line is no balance.
pub fn decode_balances(raw: &str) -> Balances {
    raw.lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, ' ');
            let credits = parts.next()?.parse().ok()?;
            let at_ms = parts.next()?.parse().ok()?;
            let key = parts.next().filter(|k| !k.is_empty())?;
            Some((key.to_owned(), Balance { credits, at_ms }))
        })
        .collect()
}

/// The last balance the API reported per key prefix, kept in
/// `localStorage` under [`Scope::balances`]. A `Copy` handle, part of the
/// [`crate::ctx::Connection`].
#[derive(Clone, Copy)]
pub struct CreditBalances {
    /// The balances (tracked): the credit log shows them.
    pub map: RwSignal<Balances>,
    item: StoredValue<String>,
}

impl CreditBalances {
    /// Reads the balances saved in `scope`.
    pub fn load(scope: &Scope) -> CreditBalances {
        let item = scope.balances();
        let map = local()
            .and_then(|s| s.get_item(&item).ok().flatten())
            .map(|raw| decode_balances(&raw))
            .unwrap_or_default();
        CreditBalances {
            map: RwSignal::new(map),
            item: StoredValue::new(item),
        }
    }

    /// Remembers that the API said `key` (a prefix) had `credits` at `at_ms`.
    pub fn remember(&self, key: String, credits: u64, at_ms: u64) {
        self.map.update(|m| {
            m.retain(|(k, _)| *k != key);
            m.push((key, Balance { credits, at_ms }));
        });
        if let Some(s) = local() {
            let text = self.map.with_untracked(encode_balances);
            let _ = self.item.with_value(|item| s.set_item(item, &text));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credits::PROXY_KEY;

    #[test]
    fn balances_are_saved_as_lines_and_read_back() {
        let b: Balances = vec![
            (
                "sk_a…".into(),
                Balance {
                    credits: 7,
                    at_ms: 5,
                },
            ),
            (
                PROXY_KEY.into(),
                Balance {
                    credits: 0,
                    at_ms: 9,
                },
            ),
        ];
        let text = encode_balances(&b);
        assert_eq!(text, "7 5 sk_a…\n0 9 site proxy\n");
        assert_eq!(decode_balances(&text), b);
        assert!(decode_balances("nonsense\n1 x k\n2 3 \n").is_empty());
    }
}
