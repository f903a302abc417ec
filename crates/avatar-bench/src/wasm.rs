//! Which crates the app's wasm bytes come from: `twiggy top` of the
//! wasm-bindgen output (before wasm-opt strips the names), summed by crate.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

/// Bytes attributed to one crate (or wasm section).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrateSize {
    /// Crate name, or a label such as `(data)` for non-code items.
    pub name: String,
    /// Sum of the shallow sizes of its items.
    pub bytes: u64,
    /// How many items.
    pub items: u32,
}

/// The crate an item of `twiggy top` belongs to, from its demangled name:
/// `<reactive_graph::X<T> as core::Future>::poll` → `reactive_graph`,
/// `<T as tachys::view::Render>::build` → `tachys`, `core[1a2b]::fmt` → `core`.
pub fn crate_of(item: &str) -> String {
    if item.starts_with("data segment") || item.starts_with("data[") {
        return "(data segments)".into();
    }
    if item.contains("subsection") || item.starts_with("custom section") {
        return "(custom sections)".into();
    }
    if item.starts_with("elem[") || item.starts_with("table[") {
        return "(tables)".into();
    }
    if item.starts_with("code[") {
        return "(unnamed code)".into();
    }
    let path = |s: &str| -> String {
        let s = s
            .trim_start_matches(['<', '&', '*', '(', '['])
            .trim_start_matches("mut ")
            .trim_start_matches("dyn ")
            .trim_start_matches("const ");
        s.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .next()
            .unwrap_or("")
            .to_string()
    };
    let first = path(item);
    // `<T as some_crate::Trait>`: a generic type parameter says nothing; use the trait's crate.
    const PRIMITIVES: [&str; 16] = [
        "bool", "char", "str", "f32", "f64", "u8", "u16", "u32", "u64", "u128", "usize", "i8",
        "i16", "i32", "i64", "isize",
    ];
    let is_generic = (first.len() <= 2 && first.chars().all(|c| c.is_ascii_uppercase()))
        || PRIMITIVES.contains(&first.as_str());
    if (is_generic || first.is_empty())
        && let Some((_, rest)) = item.split_once(" as ")
    {
        return path(rest);
    }
    if first.is_empty() {
        "(other)".into()
    } else {
        first
    }
}

/// Parses `twiggy top --format csv` output into (item, shallow bytes).
pub fn parse_csv(csv: &str) -> Vec<(String, u64)> {
    csv.lines()
        .skip(1)
        .filter_map(|line| {
            let (name, rest) = split_csv_field(line)?;
            let bytes = rest.split(',').next()?.parse().ok()?;
            Some((name, bytes))
        })
        .collect()
}

fn split_csv_field(line: &str) -> Option<(String, &str)> {
    if let Some(quoted) = line.strip_prefix('"') {
        let mut name = String::new();
        let mut chars = quoted.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '"' {
                if chars.peek().map(|&(_, n)| n) == Some('"') {
                    name.push('"');
                    chars.next();
                } else {
                    return Some((name, quoted[i + 1..].strip_prefix(',')?));
                }
            } else {
                name.push(c);
            }
        }
        None
    } else {
        let (name, rest) = line.split_once(',')?;
        Some((name.to_string(), rest))
    }
}

/// Sums items by crate, biggest first.
pub fn by_crate(items: &[(String, u64)]) -> Vec<CrateSize> {
    let mut sums: HashMap<String, (u64, u32)> = HashMap::new();
    for (name, bytes) in items {
        let e = sums.entry(crate_of(name)).or_default();
        e.0 += bytes;
        e.1 += 1;
    }
    let mut out: Vec<CrateSize> = sums
        .into_iter()
        .map(|(name, (bytes, items))| CrateSize { name, bytes, items })
        .collect();
    out.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.name.cmp(&b.name)));
    out
}

/// Runs twiggy on `wasm` and formats the `top` crates as markdown
/// (custom sections such as the names, which the release strips, excluded
/// from the shares).
pub fn report(wasm: &Path, top: usize) -> Result<String, String> {
    let output = Command::new("twiggy")
        .args(["top", "-n", "1000000", "--format", "csv"])
        .arg(wasm)
        .output()
        .map_err(|e| format!("twiggy could not start ({e}): `cargo install twiggy`"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let crates = by_crate(&parse_csv(&String::from_utf8_lossy(&output.stdout)));
    let shipped: u64 = crates
        .iter()
        .filter(|c| c.name != "(custom sections)")
        .map(|c| c.bytes)
        .sum();
    let mut out = String::from("| crate | bytes | share | items |\n|---|---:|---:|---:|\n");
    for c in crates
        .iter()
        .filter(|c| c.name != "(custom sections)")
        .take(top)
    {
        out.push_str(&format!(
            "| {} | {:.1} KB | {:.1}% | {} |\n",
            c.name,
            c.bytes as f64 / 1024.0,
            100.0 * c.bytes as f64 / shipped.max(1) as f64,
            c.items
        ));
    }
    out.push_str(&format!(
        "\nCode and data without names: {:.1} KB before wasm-opt.\n",
        shipped as f64 / 1024.0
    ));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_attributed_to_their_crate() {
        let cases = [
            (
                "avatar_studio::app::__component_studio::h33ac",
                "avatar_studio",
            ),
            (
                "<reactive_graph::computed::ScopedFuture<Fut> as core::future::Future>::poll::h1",
                "reactive_graph",
            ),
            (
                "<T as tachys::view::any_view::IntoAny>::into_any::h0",
                "tachys",
            ),
            ("<&T as core::fmt::Debug>::fmt::h2", "core"),
            ("<f64 as core[c59]::str::traits::FromStr>::from_str", "core"),
            (
                "core[c5930c85a12de822]::fmt::float::float_to_decimal",
                "core",
            ),
            (
                "<dlmalloc[e24a]::dlmalloc::Dlmalloc<A>>::malloc",
                "dlmalloc",
            ),
            ("data segment \".rodata\"", "(data segments)"),
            ("\"function names\" subsection", "(custom sections)"),
            ("elem[0]", "(tables)"),
            ("code[12]", "(unnamed code)"),
        ];
        for (item, expected) in cases {
            assert_eq!(crate_of(item), expected, "{item}");
        }
    }

    #[test]
    fn csv_rows_are_parsed_and_summed() {
        let csv = "Name,ShallowSize,ShallowSizePercent,RetainedSize,RetainedSizePercent\n\
                   \"\"\"function names\"\" subsection\",500,40.0,,\n\
                   \"data segment \"\".rodata\"\"\",70,5.3,,\n\
                   serde_json::de::from_str::h1,30,1.0,,\n\
                   serde_json::value::h2,20,1.0,,\n";
        let items = parse_csv(csv);
        assert_eq!(items[0], ("\"function names\" subsection".to_string(), 500));
        let crates = by_crate(&items);
        assert_eq!(crates[0].name, "(custom sections)");
        let serde = crates.iter().find(|c| c.name == "serde_json").unwrap();
        assert_eq!((serde.bytes, serde.items), (50, 2));
    }
}
