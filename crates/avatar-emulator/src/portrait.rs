//! Image generate results: a head-and-shoulders portrait drawn with ffmpeg
//! (the samples' drawing, `crate::samples::draw`), whose look follows the
//! prompt: colour words pick the hair, clothes, skin and background, and
//! a hash of the prompt and seed picks the rest (and every colour the
//! prompt leaves open). The same prompt and seed give the same PNG, byte
//! for byte; reference images are checked by the contract but not used.

use std::path::Path;

use avatar_api::Aspect;

use crate::media::RenderError;
use crate::samples::{Face, draw};
use crate::speech::fnv1a;

/// Pixel size of each aspect: Gemini Flash Image's sizes (the docs give
/// none; 9:16 and 16:9 are 4:7 and 7:4, as Gemini draws them).
pub fn pixel_size(aspect: Aspect) -> (u32, u32) {
    match aspect {
        Aspect::Square => (1024, 1024),
        Aspect::Portrait => (768, 1344),
        Aspect::Landscape => (1344, 768),
    }
}

type Rgb = [u8; 3];

/// Hair colours by the words that name them.
const HAIR: [(&[&str], Rgb); 7] = [
    (&["blond", "blonde", "golden"], [225, 190, 110]),
    (&["red hair", "redhead", "ginger", "auburn"], [165, 70, 35]),
    (&["black hair", "dark hair"], [25, 22, 22]),
    (&["brown hair", "brunette"], [90, 55, 30]),
    (
        &["grey", "gray", "white hair", "old", "elderly"],
        [175, 175, 180],
    ),
    (&["pink hair"], [230, 120, 170]),
    (&["blue hair"], [60, 100, 200]),
];
/// Clothes colours by colour word (before a garment word).
const COLOURS: [(&str, Rgb); 10] = [
    ("red", [180, 40, 45]),
    ("blue", [40, 80, 160]),
    ("green", [50, 130, 70]),
    ("yellow", [220, 190, 50]),
    ("black", [30, 30, 35]),
    ("white", [235, 235, 235]),
    ("purple", [110, 60, 150]),
    ("orange", [220, 120, 40]),
    ("grey", [120, 120, 125]),
    ("pink", [225, 130, 160]),
];
/// Garments a colour word may come before.
const GARMENTS: [&str; 9] = [
    "shirt", "jacket", "dress", "sweater", "suit", "top", "hoodie", "coat", "blouse",
];
/// Skin tones by the words that name them, then the ones a hash picks from.
const SKIN_WORDS: [(&[&str], Rgb); 3] = [
    (&["pale", "fair"], [245, 215, 195]),
    (&["tan", "olive"], [200, 150, 110]),
    (
        &["dark skin", "dark-skinned", "black woman", "black man"],
        [110, 75, 55],
    ),
];
const SKINS: [Rgb; 5] = [
    [235, 190, 160],
    [215, 170, 135],
    [190, 140, 100],
    [150, 105, 75],
    [110, 75, 55],
];
/// Backgrounds (top and bottom of a gradient) by the words that name them.
const SCENES: [(&[&str], [Rgb; 2]); 7] = [
    (&["sunset", "dusk"], [[250, 170, 90], [120, 60, 120]]),
    (
        &["beach", "ocean", "sea", "sky"],
        [[140, 200, 240], [230, 210, 160]],
    ),
    (
        &["forest", "park", "garden", "nature"],
        [[120, 170, 110], [40, 90, 50]],
    ),
    (&["night", "dark", "neon"], [[20, 25, 60], [60, 30, 90]]),
    (
        &["studio", "office", "grey background", "gray background"],
        [[200, 200, 205], [140, 140, 150]],
    ),
    (&["snow", "winter"], [[235, 240, 250], [190, 205, 225]]),
    (&["desert", "sand"], [[240, 210, 150], [200, 150, 90]]),
];

/// What a portrait looks like.
pub struct Look {
    /// The person.
    pub face: Face,
    /// Top and bottom colours of the background.
    pub background: [Rgb; 2],
}

/// A colour from `table` picked by `hash`, each channel nudged by it too.
fn pick(table: &[Rgb], hash: u64) -> Rgb {
    let base = table[(hash % table.len() as u64) as usize];
    let nudge = |c: u8, shift: u32| {
        let d = ((hash >> shift) % 21) as i16 - 10;
        (i16::from(c) + d).clamp(0, 255) as u8
    };
    [nudge(base[0], 8), nudge(base[1], 16), nudge(base[2], 24)]
}

/// The first entry of `table` whose words occur in `text`.
fn named<T: Copy>(table: &[(&[&str], T)], text: &str) -> Option<T> {
    table
        .iter()
        .find(|(words, _)| words.iter().any(|w| text.contains(w)))
        .map(|(_, v)| *v)
}

/// A garment colour: a colour word right before a garment word.
fn garment_colour(text: &str) -> Option<Rgb> {
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    words.windows(2).find_map(|pair| {
        let garment = GARMENTS.iter().any(|g| pair[1].starts_with(g));
        let colour = COLOURS.iter().find(|(name, _)| *name == pair[0]);
        colour.filter(|_| garment).map(|(_, rgb)| *rgb)
    })
}

/// The portrait `prompt` and `seed` describe.
pub fn look(prompt: &str, seed: i64) -> Look {
    let text = prompt.to_lowercase();
    let hash = fnv1a(format!("{seed}\u{0}{text}").as_bytes());
    let part = |shift: u32| hash.rotate_right(shift);
    let hair = named(&HAIR, &text).unwrap_or_else(|| {
        let plain: Vec<Rgb> = HAIR[..5].iter().map(|(_, c)| *c).collect();
        pick(&plain, part(3))
    });
    let skin = named(&SKIN_WORDS, &text).unwrap_or_else(|| pick(&SKINS, part(11)));
    let shirt = garment_colour(&text).unwrap_or_else(|| {
        let all: Vec<Rgb> = COLOURS.iter().map(|(_, c)| *c).collect();
        pick(&all, part(19))
    });
    let background = named(&SCENES, &text).unwrap_or_else(|| {
        let top = pick(
            &[[150, 180, 210], [235, 215, 170], [200, 220, 200]],
            part(29),
        );
        let bottom = top.map(|c| c.saturating_sub(60));
        [top, bottom]
    });
    let jitter = |shift: u32, spread: f64| ((part(shift) % 1001) as f64 / 1000.0 - 0.5) * spread;
    Look {
        face: Face {
            cx: 0.5 + jitter(37, 0.06),
            cy: 0.46 + jitter(43, 0.03),
            size: 1.0 + jitter(47, 0.12),
            skin,
            hair,
            shirt,
        },
        background,
    }
}

/// Draws the portrait `prompt` and `seed` describe at `aspect` into `out` (a PNG, written atomically).
pub async fn render(
    prompt: &str,
    seed: i64,
    aspect: Aspect,
    out: &Path,
) -> Result<(), RenderError> {
    let (width, height) = pixel_size(aspect);
    let Look { face, background } = look(prompt, seed);
    // The drawing picks its format from the extension.
    let tmp = out.with_extension("part.png");
    if let Err(e) = draw(tmp.clone(), width, height, vec![face], background).await {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(RenderError::new(format!("Drawing failed: {e}")));
    }
    tokio::fs::rename(&tmp, out)
        .await
        .map_err(|e| RenderError::new(format!("cannot store the result: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_words_pick_the_colours() {
        let l = look("A blonde woman in a red jacket at sunset", 1);
        assert_eq!(l.face.hair, [225, 190, 110]);
        assert_eq!(l.face.shirt, [180, 40, 45]);
        assert_eq!(l.background, [[250, 170, 90], [120, 60, 120]]);
        let pale = look("pale man, black hair, green hoodie, studio", 9);
        assert_eq!(
            (pale.face.skin, pale.face.hair, pale.face.shirt),
            ([245, 215, 195], [25, 22, 22], [50, 130, 70])
        );
    }

    #[test]
    fn the_same_prompt_and_seed_give_the_same_look_and_others_differ() {
        let a = look("a friendly teacher", 7);
        let same = look("A friendly teacher", 7);
        assert_eq!(
            (a.face.cx, a.face.hair, a.background),
            (same.face.cx, same.face.hair, same.background)
        );
        let other_seed = look("a friendly teacher", 8);
        let other_prompt = look("a grumpy teacher", 7);
        for b in [other_seed, other_prompt] {
            assert!(a.face.cx != b.face.cx || a.face.size != b.face.size);
        }
        assert!((0.47..=0.53).contains(&a.face.cx) && (0.94..=1.06).contains(&a.face.size));
    }

    #[test]
    fn sizes_follow_the_aspect() {
        assert_eq!(pixel_size(Aspect::Square), (1024, 1024));
        assert_eq!(pixel_size(Aspect::Portrait), (768, 1344));
        assert_eq!(pixel_size(Aspect::Landscape), (1344, 768));
    }
}
