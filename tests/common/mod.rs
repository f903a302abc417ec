//! Helpers for the browser tests: mount the studio into a fresh element,
//! act like a user, wait for conditions, and fake the network.

#![allow(dead_code)]

use avatar_studio::Studio;
use avatar_studio::config::{Config, Sample};
use avatar_studio::ctx::Clock;
use avatar_studio::storage::Scope;
use leptos::mount::mount_to;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlElement, HtmlInputElement};

/// The configuration the tests run with (nothing is fetched from it).
pub fn config() -> Config {
    Config {
        api_base: "https://api.test".into(),
        samples: vec![Sample {
            label: "Sample".into(),
            image_url: "http://api.test/samples/portrait-1.png".into(),
            audio_url: "http://api.test/samples/speech-1.mp3".into(),
        }],
        ..Config::default()
    }
}

/// A mounted studio; unmounts (and stops its timers) when dropped.
pub struct Mounted {
    pub root: HtmlElement,
    _handle: Box<dyn std::any::Any>,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.root.remove();
    }
}

/// The storage scope the studio uses by default: this test page's.
pub fn scope() -> Scope {
    Scope::current()
}

/// Mounts the studio into its own fresh element, in its default scope.
pub async fn mount_studio(config: Config) -> Mounted {
    mount(config, None, None).await
}

/// Mounts the studio on a clock the test moves by hand ([`Clock::advance`]),
/// starting now: its status checks wait for that clock, not the browser's.
pub async fn mount_studio_on(config: Config, clock: Clock) -> Mounted {
    mount(config, None, Some(clock)).await
}

/// Mounts the studio as deployed under `scope` (e.g. another base path).
pub async fn mount_studio_in(config: Config, scope: Scope) -> Mounted {
    mount(config, Some(scope), None).await
}

/// Mounts, then waits for the parts the page builds one task after the form
/// (the list, compare, the credit log) and for the stored tasks past the
/// list's first page (the list is `aria-busy` until then), as a person sees them.
async fn mount(config: Config, scope: Option<Scope>, clock: Option<Clock>) -> Mounted {
    let root: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&root).unwrap();
    let handle = mount_to(root.clone(), move || {
        if let Some(clock) = clock {
            provide_context(clock);
        }
        match scope.clone() {
            Some(scope) => view! { <Studio config=config.clone() scope/> }.into_any(),
            None => view! { <Studio config=config.clone()/> }.into_any(),
        }
    });
    until("the whole task list under the form", || {
        query(&root, ".tasks[aria-busy=false]").is_some()
    })
    .await;
    Mounted {
        root,
        _handle: Box::new(handle),
    }
}

/// Clears the browser storage the app uses.
pub fn clear_storage() {
    window().local_storage().unwrap().unwrap().clear().unwrap();
    window()
        .session_storage()
        .unwrap()
        .unwrap()
        .clear()
        .unwrap();
}

/// Lets timers, promises and the reactive system run.
pub async fn pause(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
    leptos::task::tick().await;
}

/// Waits (up to 5 s) until `condition` holds; panics with `what` otherwise.
pub async fn until(what: &str, condition: impl Fn() -> bool) {
    for _ in 0..500 {
        if condition() {
            return;
        }
        pause(10).await;
    }
    panic!("timed out waiting for: {what}");
}

pub fn query(root: &Element, selector: &str) -> Option<Element> {
    root.query_selector(selector).unwrap()
}

pub fn get(root: &Element, selector: &str) -> Element {
    query(root, selector).unwrap_or_else(|| panic!("no element {selector}"))
}

pub fn text(root: &Element, selector: &str) -> String {
    query(root, selector)
        .and_then(|e| e.text_content())
        .unwrap_or_default()
}

/// The input whose visible `<label>` reads `label`.
pub fn input_by_label(root: &Element, label: &str) -> HtmlInputElement {
    let labels = root.query_selector_all("label").unwrap();
    for i in 0..labels.length() {
        let l: Element = labels.item(i).unwrap().unchecked_into();
        if l.text_content().unwrap_or_default().trim() == label {
            let id = l.get_attribute("for").expect("label without for");
            return get(root, &format!("[id='{id}']")).unchecked_into();
        }
    }
    panic!("no label {label}");
}

/// Types `value` into a field like a user (input, then change on leaving).
pub fn type_into(root: &Element, label: &str, value: &str) {
    let input = input_by_label(root, label);
    input.set_value(value);
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    input
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
}

/// Chooses an option of the `<select>` labelled `label`.
pub fn choose(root: &Element, label: &str, value: &str) {
    let select: web_sys::HtmlSelectElement = input_by_label(root, label).unchecked_into();
    select.set_value(value);
    select
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
}

/// Clicks the first button whose text starts with `name`.
pub fn click_button(root: &Element, name: &str) {
    button(root, name).click();
}

pub fn button(root: &Element, name: &str) -> HtmlElement {
    let buttons = root.query_selector_all("button").unwrap();
    for i in 0..buttons.length() {
        let b: HtmlElement = buttons.item(i).unwrap().unchecked_into();
        if b.text_content()
            .unwrap_or_default()
            .trim()
            .starts_with(name)
        {
            return b;
        }
    }
    panic!("no button {name}");
}

/// The id of the focused element.
pub fn focused_id() -> String {
    document()
        .active_element()
        .map(|e| e.id())
        .unwrap_or_default()
}

#[wasm_bindgen(inline_js = r#"
export function fake_fetch(routes) {
  if (!window.__realFetch) window.__realFetch = window.fetch;
  window.__requests = [];
  window.fetch = async (input, init) => {
    const req = input instanceof Request ? input : new Request(input, init);
    const body = req.method === 'POST' ? await req.text() : null;
    const headers = {};
    req.headers.forEach((v, k) => { headers[k] = v; });
    window.__requests.push({ method: req.method, url: req.url, headers, body });
    for (const r of routes) {
      if (req.method === r.method && req.url.includes(r.path)) {
        if (r.network_error) throw new TypeError('Failed to fetch');
        return new Response(r.body, { status: r.status, headers: r.headers || {} });
      }
    }
    return new Response('{"error":{"code":"not_found","message":"no route"}}', { status: 404 });
  };
}
export function real_fetch() {
  if (window.__realFetch) window.fetch = window.__realFetch;
}
export function requests() { return JSON.stringify(window.__requests || []); }
"#)]
extern "C" {
    fn fake_fetch(routes: JsValue);
    fn real_fetch();
    fn requests() -> String;
}

/// One faked answer: the first route whose method and path match answers.
pub struct Route {
    pub method: &'static str,
    pub path: String,
    pub status: u16,
    pub body: String,
    pub headers: Vec<(&'static str, String)>,
    pub network_error: bool,
}

impl Route {
    pub fn new(method: &'static str, path: &str, status: u16, body: &str) -> Route {
        Route {
            method,
            path: path.to_owned(),
            status,
            body: body.to_owned(),
            headers: Vec::new(),
            network_error: false,
        }
    }
}

/// The API's JSON 404 to any task status: what "Check key" counts as a
/// valid key (the key passed, the made-up task is unknown).
pub fn no_such_task() -> Route {
    Route::new(
        "GET",
        "/api/v2/avatar/tasks/",
        404,
        r#"{"error":{"code":"task_not_found","type":"invalid_request_error","message":"No such task."}}"#,
    )
}

/// Replaces `fetch` with canned answers (the API is not what these tests test).
pub fn fake_network(routes: Vec<Route>) {
    let list = js_sys::Array::new();
    for r in routes {
        let o = js_sys::Object::new();
        let set = |k: &str, v: JsValue| js_sys::Reflect::set(&o, &k.into(), &v).unwrap();
        set("method", r.method.into());
        set("path", r.path.into());
        set("status", r.status.into());
        set("body", r.body.into());
        set("network_error", r.network_error.into());
        let h = js_sys::Object::new();
        for (k, v) in r.headers {
            js_sys::Reflect::set(&h, &k.into(), &v.into()).unwrap();
        }
        set("headers", h.into());
        list.push(&o);
    }
    fake_fetch(list.into());
}

/// Restores the browser's `fetch`.
pub fn restore_network() {
    real_fetch();
}

/// The requests the page sent through the fake network, as JSON.
pub fn sent_requests() -> serde_json::Value {
    serde_json::from_str(&requests()).unwrap()
}
