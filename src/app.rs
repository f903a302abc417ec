//! The page: loads `config.json`, then provides the contexts
//! ([`crate::ctx`]) and lays out the header, settings, the create form and
//! the task list.

use leptos::prelude::*;
use leptos_use_interval_fn::use_interval_fn;

use crate::compare::Compare;
use crate::config::Config;
use crate::create::CreatePanel;
use crate::credits::CreditBalances;
use crate::credits::view::CreditLog;
use crate::ctx::{Announcer, Clock, Connection, Draft, SettingsState, Touched};
use crate::form::Form;
use crate::settings::{SettingsPanel, load_settings};
use crate::storage::{self, Scope};
use crate::tasks::TaskList;
use crate::tasks::poller::Pollers;
use crate::tasks::saved::{SavedCopies, Savers};
use crate::tasks::store::TaskStore;
use crate::widgets::{ShowWhen, handler};

/// The whole page: reads `config.json`, then shows the studio.
#[component]
pub fn App() -> impl IntoView {
    // A plain signal filled by one future, not a LocalResource: the
    // resource machinery adds 9 KB to the gzipped wasm (measured) for a
    // read that happens once and is never refetched.
    let config = RwSignal::new(None::<Result<Config, crate::config::ConfigError>>);
    leptos::task::spawn_local(async move {
        let loaded = Config::load().await;
        let _ = config.try_set(Some(loaded));
    });
    move || match config.get() {
        None => view! { <p class="boot">"Loading Avatar Studio…"</p> }.into_any(),
        Some(Ok(config)) => view! { <Studio config/> }.into_any(),
        Some(Err(e)) => view! {
            <main class="boot">
                <div class="notice error" role="alert">{e.to_string()}</div>
            </main>
        }
        .into_any(),
    }
}

/// The studio for a loaded configuration (mounted directly by tests).
/// Its tasks and settings are kept under `scope`, by default this
/// deployment's ([`Scope::current`]); what older builds saved is adopted
/// first ([`storage::adopt_legacy`]).
#[component]
pub fn Studio(config: Config, #[prop(optional)] scope: Option<Scope>) -> impl IntoView {
    let scope = scope.unwrap_or_else(Scope::current);
    if let (Some(local), Some(session)) = (storage::local(), storage::session()) {
        storage::adopt_legacy(&scope, &local, &session);
    }
    let settings = load_settings(&config, &scope);
    let tasks = TaskStore::load(&scope);
    let saved = SavedCopies::new(&scope);
    let fragment = window().location().hash().unwrap_or_default();
    let initial_form = Form::from_fragment(&fragment).unwrap_or_default();
    let initial_variants = Form::variants_in_fragment(&fragment);
    let conn = Connection {
        config: StoredValue::new(config),
        api_base: settings.api_base,
        api_key: settings.api_key,
        remember_key: settings.remember,
        rejected_key: RwSignal::new(None),
        balances: CreditBalances::load(&scope),
        online: RwSignal::new(window().navigator().on_line()),
    };
    let online = window_event_listener(leptos::ev::online, move |_| conn.online.set(true));
    let offline = window_event_listener(leptos::ev::offline, move |_| conn.online.set(false));
    on_cleanup(move || {
        online.remove();
        offline.remove();
    });
    let announcer = Announcer {
        notice: RwSignal::new(None),
        live: RwSignal::new(String::new()),
        notify: RwSignal::new(false),
    };
    // A test may have provided a clock it moves by hand.
    let clock = use_context::<Clock>().unwrap_or_else(Clock::browser);
    provide_context(scope.clone());
    provide_context(conn);
    provide_context(announcer);
    provide_context(clock);
    provide_context(tasks);
    provide_context(saved);
    provide_context(SettingsState {
        open: RwSignal::new(false),
    });
    provide_context(Draft {
        form: RwSignal::new(initial_form),
        touched: RwSignal::new(Touched::default()),
        server_errors: RwSignal::new(Vec::new()),
        variants: RwSignal::new(initial_variants),
    });
    let _clock = use_interval_fn(move || clock.tick(), 1000);

    let running = Memo::new(move |_| tasks.running().len());
    Effect::new(move |_| {
        let title = match running.get() {
            0 => "Avatar Studio".to_owned(),
            n => format!("({n} running) Avatar Studio"),
        };
        document().set_title(&title);
    });

    view! {
        <a class="skip" href="#create">"Skip to the form"</a>
        <Header running/>
        <SettingsPanel/>
        <main class="layout">
            <NoticeBanner/>
            <CreatePanel/>
            <AfterTheForm>
                <TaskList/>
                <Compare/>
                <CreditLog/>
            </AfterTheForm>
        </main>
        <Pollers/>
        <Savers/>
        <div class="sr-only" role="status" aria-live="polite" aria-atomic="true">
            {move || announcer.live.get()}
        </div>
        <footer class="footer">
            "Avatar Studio · the page talks to the API directly from your browser; your key never leaves it except to the API."
        </footer>
    }
}

/// Builds `children` one task after the rest of the page, so that the form
/// is on screen and answers input before the parts under it are built (the
/// list, compare, the credit log): the start-up is two shorter tasks, not
/// one long one that blocks the first input.
#[component]
fn AfterTheForm(children: ChildrenFn) -> impl IntoView {
    let built = RwSignal::new(false);
    set_timeout(
        move || {
            let _ = built.try_set(true);
        },
        std::time::Duration::ZERO,
    );
    move || built.get().then(|| children())
}

/// The title bar with the Settings button.
#[component]
fn Header(running: Memo<usize>) -> impl IntoView {
    let conn = expect_context::<Connection>();
    let settings = expect_context::<SettingsState>();
    let key_state = move || {
        if !conn.wants_key() {
            ("ok", "Proxy: no key needed".to_owned())
        } else if conn.missing_key() {
            ("warn", "No API key yet".to_owned())
        } else if conn.key_rejected() {
            ("warn", "API key rejected".to_owned())
        } else {
            ("ok", "API key set".to_owned())
        }
    };
    view! {
        <header class="topbar">
            <div class="brand">
                <span class="logo" aria-hidden="true"></span>
                <div>
                    <h1>"Avatar Studio"</h1>
                    <p class="tagline">"Portrait + speech → a lip-synced talking video"</p>
                </div>
            </div>
            <div class="topbar-actions">
                <ShowWhen when=move || { running.get() > 0 }>
                    <span class="chip running">{move || format!("{} running", running.get())}</span>
                </ShowWhen>
                <span class=move || format!("chip {}", key_state().0)>{move || key_state().1}</span>
                <button
                    type="button"
                    id="settings-button"
                    class="btn ghost"
                    aria-expanded=move || settings.open.get().to_string()
                    aria-controls="settings"
                    on:click=handler(move |_| settings.open.update(|o| *o = !*o))
                >
                    "Settings"
                </button>
            </div>
        </header>
    }
}

/// Errors and information under the header; storage problems and a key
/// sent without encryption too.
#[component]
fn NoticeBanner() -> impl IntoView {
    let conn = expect_context::<Connection>();
    let announcer = expect_context::<Announcer>();
    let storage_problem = expect_context::<TaskStore>().problem();
    let clear_text_dismissed = RwSignal::new(false);
    view! {
        <div class="notices">
            {move || {
                conn.key_in_clear()
                    .filter(|_| !clear_text_dismissed.get())
                    .map(|warning| {
                        view! {
                            <NoticeBox
                                kind="warn"
                                role="alert"
                                text=warning.to_string()
                                id="key-in-clear"
                                on_dismiss=Callback::new(move |_| clear_text_dismissed.set(true))
                            />
                        }.into_any()
                    })
            }}
            {move || {
                storage_problem
                    .get()
                    .map(|text| {
                        view! {
                            <NoticeBox
                                kind="warn"
                                role="alert"
                                text=text
                                on_dismiss=Callback::new(move |_| storage_problem.set(None))
                            />
                        }.into_any()
                    })
            }}
            {move || {
                announcer.notice
                    .get()
                    .map(|n| {
                        view! {
                            <NoticeBox
                                kind=if n.error { "error" } else { "info" }
                                role=if n.error { "alert" } else { "status" }
                                text=n.text
                                id="notice"
                                on_dismiss=Callback::new(move |_| announcer.clear())
                            />
                        }.into_any()
                    })
            }}
        </div>
    }
}

/// One dismissible message; `kind` is its style (`warn`, `error`, `info`). With an `id`
/// it can take focus, so errors can be announced by moving focus to it.
#[component]
fn NoticeBox(
    kind: &'static str,
    role: &'static str,
    text: String,
    #[prop(optional)] id: Option<&'static str>,
    on_dismiss: Callback<()>,
) -> impl IntoView {
    view! {
        <div class=format!("notice {kind}") id=id tabindex=id.map(|_| "-1") role=role>
            <span>{text}</span>
            <button type="button" class="btn small ghost" on:click=handler(move |_| on_dismiss.run(()))>
                "Dismiss"
            </button>
        </div>
    }
}
