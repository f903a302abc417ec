//! The create form in the browser: validation messages, the cost shown
//! (always the contract's quote; with variants, the batch's total and each
//! variant's price), and per-model fields.
#![cfg(target_arch = "wasm32")]

mod common;

use avatar_api::{AvatarRequest, ProRequest};
use common::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn pro(duration: u32, resolution: u32) -> AvatarRequest {
    AvatarRequest::Pro(ProRequest {
        image_url: "https://cdn.test/p.png".into(),
        audio_url: "https://cdn.test/s.mp3".into(),
        duration,
        resolution,
        ..ProRequest::default()
    })
}

#[wasm_bindgen_test]
async fn cost_and_button_show_the_contracts_quote() {
    clear_storage();
    let app = mount_studio(config()).await;
    let root = &app.root;
    type_into(root, "Image URL", "  https://cdn.test/p.png\n");
    type_into(root, "Audio URL", "https://cdn.test/s.mp3");
    leptos::task::tick().await;
    // Defaults: 10 s at 1280 px.
    let quote = pro(10, 1280).quote().unwrap();
    assert_eq!(text(root, ".cost-breakdown"), quote.breakdown);
    assert_eq!(
        text(root, "#generate"),
        format!("Generate · {} credits", quote.credits)
    );
    for (duration, resolution) in [(5, 720), (20, 1536), (35, 1280), (15, 720)] {
        choose(root, "Duration", &duration.to_string());
        choose(root, "Resolution", &resolution.to_string());
        leptos::task::tick().await;
        let quote = pro(duration, resolution).quote().unwrap();
        assert_eq!(text(root, ".cost-breakdown"), quote.breakdown);
        assert_eq!(
            text(root, ".cost-value strong"),
            quote.credits.to_string(),
            "{duration} s at {resolution} px"
        );
    }
    // Pasted whitespace was trimmed.
    assert_eq!(
        input_by_label(root, "Image URL").value(),
        "https://cdn.test/p.png"
    );
}

#[wasm_bindgen_test]
async fn follow_audio_needs_and_bills_the_audio_length() {
    clear_storage();
    let app = mount_studio(config()).await;
    let root = &app.root;
    type_into(root, "Image URL", "https://cdn.test/p.png");
    type_into(root, "Audio URL", "https://cdn.test/s.mp3");
    choose(root, "Duration", "0");
    leptos::task::tick().await;
    assert!(text(root, ".cost-breakdown").contains("audio length is known"));
    assert_eq!(
        get(root, "#generate")
            .get_attribute("aria-disabled")
            .unwrap(),
        "true"
    );
    type_into(root, "API key", "sk_test_0123456789");
    type_into(root, "Audio length", "41.2");
    leptos::task::tick().await;
    let mut request = pro(0, 1280);
    if let AvatarRequest::Pro(r) = &mut request {
        r.audio_duration_seconds = Some(41.2);
    }
    let quote = request.quote().unwrap();
    assert_eq!(quote.credits, 70, "capped at 35 s");
    assert_eq!(text(root, ".cost-breakdown"), quote.breakdown);
    assert_eq!(
        get(root, "#generate")
            .get_attribute("aria-disabled")
            .unwrap(),
        "false"
    );
}

#[wasm_bindgen_test]
async fn invalid_fields_explain_themselves_and_block_submit() {
    clear_storage();
    let app = mount_studio(config()).await;
    let root = &app.root;
    // Nothing typed: the button says why it is unavailable, no field shouts yet.
    assert_eq!(
        get(root, "#generate")
            .get_attribute("aria-disabled")
            .unwrap(),
        "true"
    );
    assert_eq!(text(root, "#submit-reason"), "Image URL is required.");
    assert_eq!(text(root, "#f-image_url-error"), "");
    type_into(root, "Image URL", "ftp://cdn.test/p.png");
    leptos::task::tick().await;
    assert_eq!(
        text(root, "#f-image_url-error"),
        "Image URL must start with http:// or https://."
    );
    assert_eq!(
        get(root, "#f-image_url")
            .get_attribute("aria-invalid")
            .unwrap(),
        "true"
    );
    // A non-http URL never reaches a src attribute.
    assert!(query(root, ".preview img").is_none());
    // Clicking the unavailable button reveals every problem and focuses the first.
    click_button(root, "Generate");
    leptos::task::tick().await;
    assert_eq!(focused_id(), "f-image_url");
    assert_eq!(text(root, "#f-audio_url-error"), "Audio URL is required.");
    // Fixing the fields clears the messages and enables the button.
    type_into(root, "Image URL", "https://cdn.test/p.png");
    type_into(root, "Audio URL", "https://cdn.test/s.mp3");
    leptos::task::tick().await;
    assert_eq!(text(root, "#f-image_url-error"), "");
    assert!(query(root, ".preview img").is_some());
    // No key yet: that is the remaining reason.
    assert_eq!(
        text(root, "#submit-reason"),
        "Add your API key in Settings to generate."
    );
}

#[wasm_bindgen_test]
async fn motion_prompt_counts_characters_against_the_limit() {
    clear_storage();
    let app = mount_studio(config()).await;
    let root = &app.root;
    let prompt = root.query_selector("#f-motion_prompt").unwrap().unwrap();
    assert_eq!(
        prompt.get_attribute("placeholder").unwrap(),
        "speaking naturally"
    );
    type_into(root, "Motion prompt", &"é".repeat(2000));
    leptos::task::tick().await;
    assert_eq!(text(root, "#motion-counter"), "2000 / 2000");
    assert_eq!(text(root, ".field.invalid #motion-counter"), "");
    type_into(root, "Motion prompt", &"😀".repeat(2001));
    leptos::task::tick().await;
    assert_eq!(text(root, "#motion-counter"), "2001 / 2000");
    let messages = text(root, "#create");
    assert!(messages.contains("Motion prompt is 2001 characters long; the limit is 2000."));
}

#[wasm_bindgen_test]
async fn each_model_shows_only_its_own_fields() {
    clear_storage();
    let app = mount_studio(config()).await;
    let root = &app.root;
    let has_label = |name: &str| {
        let labels = root.query_selector_all("label").unwrap();
        (0..labels.length()).any(|i| {
            labels
                .item(i)
                .unwrap()
                .text_content()
                .unwrap_or_default()
                .trim()
                == name
        })
    };
    assert!(has_label("Image URL") && has_label("Duration") && has_label("Frame rate"));
    assert!(!has_label("Two-person image URL") && !has_label("Width"));
    web_sys::HtmlElement::click(&wasm_bindgen::JsCast::unchecked_into(get(
        root,
        "#model-dual-avatar",
    )));
    leptos::task::tick().await;
    assert!(has_label("Two-person image URL") && has_label("Speaker 2 audio URL"));
    assert!(!has_label("Image URL") && !has_label("Duration") && !has_label("Motion prompt"));
    assert!(text(root, ".cost-rule").starts_with("2 credits/s"));
    web_sys::HtmlElement::click(&wasm_bindgen::JsCast::unchecked_into(get(
        root,
        "#model-digital-human",
    )));
    leptos::task::tick().await;
    assert!(has_label("Image URL") && has_label("Width") && has_label("Height"));
    assert!(!has_label("Resolution"));
    type_into(root, "Image URL", "https://cdn.test/p.png");
    type_into(root, "Audio URL", "https://cdn.test/s.mp3");
    type_into(root, "Audio length", "12");
    type_into(root, "Width", "854");
    type_into(root, "Height", "480");
    leptos::task::tick().await;
    assert_eq!(
        text(root, ".cost-breakdown"),
        "1 credit/s (SD) × 12 s = 12 credits"
    );
}

#[wasm_bindgen_test]
async fn try_a_sample_fills_the_media() {
    clear_storage();
    let app = mount_studio(config()).await;
    let root = &app.root;
    click_button(root, "Try a sample");
    leptos::task::tick().await;
    assert_eq!(
        input_by_label(root, "Image URL").value(),
        "http://api.test/samples/portrait-1.png"
    );
    assert_eq!(
        input_by_label(root, "Audio URL").value(),
        "http://api.test/samples/speech-1.mp3"
    );
}

#[wasm_bindgen_test]
async fn with_variants_the_cost_is_the_batch_total_and_each_card_has_its_price() {
    clear_storage();
    let app = mount_studio(config()).await;
    let root = &app.root;
    type_into(root, "Image URL", "https://cdn.test/p.png");
    type_into(root, "Audio URL", "https://cdn.test/s.mp3");
    choose(root, "Duration", "5");
    choose(root, "Resolution", "720");
    leptos::task::tick().await;
    click_button(root, "Add variant");
    leptos::task::tick().await;
    click_button(root, "Add variant");
    leptos::task::tick().await;
    choose(root, "Variant 3: Resolution", "1536");
    leptos::task::tick().await;
    let prices = [pro(5, 720), pro(5, 720), pro(5, 1536)].map(|r| r.quote().unwrap().credits);
    let total: u64 = prices.iter().sum();
    assert_eq!(prices, [8, 8, 13]);
    // The headline is what the button sends, not variant 1's price.
    assert_eq!(text(root, ".cost-value strong"), total.to_string());
    assert_eq!(
        text(root, ".cost-value"),
        format!("{total} credits for 3 videos")
    );
    assert_eq!(text(root, "#batch-total"), total.to_string());
    assert_eq!(
        text(root, "#generate"),
        format!("Generate 3 videos · {total} credits")
    );
    let cards = root.query_selector_all(".variant-credits").unwrap();
    let shown: Vec<String> = (0..cards.length())
        .map(|i| cards.item(i).unwrap().text_content().unwrap())
        .collect();
    assert_eq!(shown, prices.map(|c| format!("{c} credits")));
    // A variant's problem is the button's reason; the click names it and goes there.
    type_into(root, "Variant 2: Audio URL", "");
    leptos::task::tick().await;
    assert_eq!(
        text(root, "#submit-reason"),
        "Variant 2: Audio URL is required."
    );
    click_button(root, "Generate");
    leptos::task::tick().await;
    assert_eq!(focused_id(), "variants");
    assert!(text(root, ".notice.error").contains("Variant 2: Audio URL is required."));
}
