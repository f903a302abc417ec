//! The task list: newest first, a page at a time, each task a
//! [`TaskRow`].

use avatar_api::Kind;
use leptos::prelude::*;

use crate::tasks::row::TaskRow;
use crate::tasks::store::TaskStore;
use crate::tasks::transfer::HistoryTools;
use crate::widgets::{PAGE, ShowMore, ShowWhen, handler};

/// The list of submitted tasks, newest first, a page at a time.
#[component]
pub fn TaskList() -> impl IntoView {
    let tasks = expect_context::<TaskStore>();
    let shown = RwSignal::new(PAGE);
    let kind = RwSignal::new(None::<Kind>);
    let rows = move || match kind.get() {
        None => tasks.newest(shown.get()),
        Some(k) => {
            tasks.read_all();
            (tasks.newest(usize::MAX).into_iter())
                .filter(|e| e.record.with(|t| t.request.kind() == k))
                .take(shown.get())
                .collect()
        }
    };
    let count = move || tasks.len();
    let row_id = move |i: usize| {
        // "Show more" may reach past the tasks read so far.
        tasks.read_all();
        Some(format!("task-{}", tasks.newest(i + 1).get(i)?.id()))
    };
    view! {
        <section class="card tasks" aria-labelledby="tasks-title" aria-busy=move || tasks.loading().to_string()>
            <div class="card-head">
                <h2 id="tasks-title" tabindex="-1">"Your videos"</h2>
                <span class="muted">{move || match count() { 0 => String::new(), 1 => "1 task".to_owned(), n => format!("{n} tasks") }}</span>
                <select id="task-kind" aria-label="Show tasks of one kind"
                    on:change=handler(move |ev| kind.set(Kind::ALL.into_iter().find(|k| k.noun() == event_target_value(&ev))))>
                    <option value="">"All kinds"</option>
                    {Kind::ALL.map(|k| view! { <option value=k.noun()>{k.noun()}</option> })}
                </select>
            </div>
            <ShowWhen when=move || count() == 0>
                <div class="empty">
                    <div class="empty-art" aria-hidden="true"></div>
                    <p><strong>"No videos yet."</strong></p>
                    <p class="muted">"Pick a portrait and a speech clip, check the cost, and press Generate. Tasks are kept in this browser and keep updating after a reload."</p>
                </div>
            </ShowWhen>
            <ul class="task-list" aria-label="Tasks">
                <For each=rows key=|entry| entry.record let:entry>
                    <TaskRow entry/>
                </For>
            </ul>
            <ShowMore total=Signal::derive(count) shown what="older" id_at=Callback::new(row_id)/>
            <HistoryTools/>
        </section>
    }
}
