//! The "Credits" panel under the task list: the log's charges for one key or
//! all, totals by period, the last balance the API reported, and "Export
//! CSV". Its rows are computed only while the panel is open.

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use super::{Charge, Periods, Totals, charge, csv, keys, periods};
use crate::ctx::{Announcer, Clock, Connection};
use crate::tasks::store::TaskStore;
use crate::widgets::{blob_url, handler, local_time};

/// The file name the CSV is saved under.
pub const CSV_FILE: &str = "avatar-studio-credits.csv";

/// What every task was charged, newest first (tracked on every task).
pub fn charges_of(tasks: TaskStore) -> Vec<Charge> {
    tasks
        .newest(usize::MAX)
        .into_iter()
        .filter_map(|e| e.record.try_with(charge))
        .collect()
}

/// Local midnight before `now_ms`.
fn day_start(now_ms: u64) -> u64 {
    let d = js_sys::Date::new(&JsValue::from_f64(now_ms as f64));
    d.set_hours(0);
    d.set_minutes(0);
    d.set_seconds(0);
    d.set_milliseconds(0);
    d.get_time() as u64
}

/// A header row (one `<th>` type for both tables: a smaller wasm).
fn head_row(columns: &'static [&'static str]) -> impl IntoView + use<> {
    view! { <tr>{columns.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view()}</tr> }
}

/// The panel.
#[component]
pub fn CreditLog() -> impl IntoView {
    let tasks = expect_context::<TaskStore>();
    let balances = expect_context::<Connection>().balances;
    let clock = expect_context::<Clock>();
    let announcer = expect_context::<Announcer>();
    let open = RwSignal::new(false);
    // The key shown ("" = every key).
    let key = RwSignal::new(String::new());
    // The keys in the log and the charges of the one shown (one memo:
    // each memo type costs wasm), computed only while the panel is open.
    let log = Memo::new(move |_| {
        if !open.get() {
            return (Vec::new(), Vec::new());
        }
        let mut charges = charges_of(tasks);
        let names = keys(&charges);
        key.with(|k| charges.retain(|c| k.is_empty() || c.key == *k));
        (names, charges)
    });
    let export = RwSignal::new(None::<String>);
    let revoke = move || {
        if let Some(url) = export.try_get_untracked().flatten() {
            let _ = web_sys::Url::revoke_object_url(&url);
        }
    };
    on_cleanup(revoke);
    let export_csv = move |_| {
        let Some(url) =
            log.with_untracked(|(_, charges)| blob_url(&csv(charges), "text/csv;charset=utf-8"))
        else {
            announcer.error("This browser could not make the CSV file.");
            return;
        };
        revoke();
        export.set(Some(url));
        announcer.say(format!("{CSV_FILE} is ready."));
        request_animation_frame(|| {
            if let Some(a) = document().get_element_by_id("credits-csv") {
                a.unchecked_into::<web_sys::HtmlElement>().click();
            }
        });
    };
    let on_toggle = move |ev: leptos::ev::Event| {
        let details = event_target::<web_sys::Element>(&ev);
        open.set(details.has_attribute("open"));
    };
    let balance_lines = move || {
        let k = key.get();
        balances.map.with(|m| {
            m.iter()
                .filter(|(name, _)| k.is_empty() || *name == k)
                .map(|(name, b)| {
                    let line = format!("{name}: {} credits, {}", b.credits, local_time(b.at_ms));
                    view! { <li>{line}</li> }
                })
                .collect_view()
        })
    };
    let total_row = move |label: &'static str, pick: fn(&Periods) -> Totals| {
        view! {
            <tr>
                <th scope="row">{label}</th>
                {move || {
                    let now = clock.now();
                    let t = pick(&log.with(|(_, charges)| periods(charges, now, day_start(now))));
                    view! {
                        <td>{t.charged}</td>
                        <td>{t.refunded}</td>
                        <td>{t.net()}</td>
                        <td>{t.maybe_charged}</td>
                    }.into_any()
                }}
            </tr>
        }
    };
    view! {
        <details class="card credits" id="credits" on:toggle=handler(on_toggle)>
            <summary><h2 class="credits-title">"Credits"</h2></summary>
            <p class="muted">"What this browser has seen charged and refunded, from the tasks in its list (a removed task leaves the log). The API has no balance endpoint: your provider account is the authority."</p>
            <div class="credits-tools">
                <label for="credits-key">"Key"</label>
                <select id="credits-key" on:change=handler(move |ev| key.set(event_target_value(&ev)))>
                    <option value="" prop:selected=move || key.with(String::is_empty)>"All keys"</option>
                    {move || log.with(|(names, _)| names.clone()).into_iter().map(|k| {
                        let (value, selected) = (k.clone(), k.clone());
                        view! { <option value=value prop:selected=move || key.with(|s| *s == selected)>{k}</option> }.into_any()
                    }).collect_view()}
                </select>
                <button type="button" class="btn small" id="credits-export" on:click=handler(export_csv)>"Export CSV"</button>
                {move || export.get().map(|url| view! {
                    <a id="credits-csv" class="btn small ghost" href=url download=CSV_FILE>{format!("Save {CSV_FILE}")}</a>
                }.into_any())}
            </div>
            <div class="credit-scroll">
                <table class="credit-table" id="credit-totals">
                    <caption>"Totals (credits)"</caption>
                    <thead>{head_row(&["Period", "Charged", "Refunded", "Net", "May have been charged"])}</thead>
                    <tbody>
                        {total_row("Today", |p| p.today)}
                        {total_row("Last 7 days", |p| p.week)}
                        {total_row("All", |p| p.all)}
                    </tbody>
                </table>
            </div>
            <p class="credits-balance">"Last balance the API reported (with a 402): "
                {move || if balances.map.with(|m| m.is_empty()) { Some("none yet.") } else { None }}
            </p>
            <ul class="credits-balances" id="credit-balances">{balance_lines}</ul>
            <div class="credit-scroll">
                <table class="credit-table" id="credit-log">
                    <caption>"Charges and refunds, newest first"</caption>
                    <thead>{head_row(&["When", "Key", "Model", "Parameters", "Charged", "Refunded", "Note"])}</thead>
                    <tbody>
                        {move || log.get().1.into_iter().map(|c| {
                            let approx = if c.estimate { "≈" } else { "" };
                            let charged = if c.maybe_charged > 0 { format!("{approx}{}?", c.maybe_charged) } else { format!("{approx}{}", c.charged) };
                            view! {
                                <tr data-task-id=c.task_id data-status=c.status>
                                    <td>{local_time(c.at_ms)}</td>
                                    <td>{c.key}</td>
                                    <td>{c.model}</td>
                                    <td>{c.parameters}</td>
                                    <td>{charged}</td>
                                    <td>{c.refunded}</td>
                                    <td>{c.note}</td>
                                </tr>
                            }.into_any()
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </details>
    }
}
