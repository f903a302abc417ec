//! Captions: properties of tidying and aligning (times never go backwards,
//! nothing is lost), and the files checked by ffmpeg itself: the SubRip
//! file muxes into an mp4 beside a video, and the WebVTT file reads back
//! with the same cues.

use std::path::Path;
use std::process::Command;

use avatar_api::captions::{self, Segment};
use proptest::prelude::*;

fn segments() -> impl Strategy<Value = Vec<Segment>> {
    prop::collection::vec(
        (0u64..600_000, 0u64..600_000, "[a-zA-Z ,.!?&<>\n-]{0,30}"),
        0..20,
    )
    .prop_map(|v| {
        v.into_iter()
            .map(|(start_ms, end_ms, text)| Segment {
                start_ms,
                end_ms,
                text,
            })
            .collect()
    })
}

fn letters(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn tidied_segments_keep_every_line_in_order_each_ending_after_it_starts(mut s in segments()) {
        let mut before: Vec<String> = s.iter().map(|x| x.text.clone()).collect();
        captions::tidy(&mut s);
        let mut after: Vec<String> = s.iter().map(|x| x.text.clone()).collect();
        before.sort();
        after.sort();
        prop_assert_eq!(before, after, "no line dropped");
        for w in s.windows(2) {
            prop_assert!(w[0].start_ms <= w[1].start_ms);
            prop_assert!(w[0].end_ms <= w[1].start_ms || w[0].start_ms == w[1].start_ms);
        }
        for x in &s {
            prop_assert!(x.end_ms > x.start_ms);
        }
        prop_assert_eq!(captions::srt(&s).matches(" --> ").count(), s.len());
        prop_assert_eq!(captions::vtt(&s, None).matches(" --> ").count(), s.len());
    }

    #[test]
    fn an_aligned_script_keeps_all_its_words_and_its_times_never_go_backwards(
        script in "[a-zA-Z你好 ,.!?。\n]{0,200}",
        mut heard in segments(),
    ) {
        captions::tidy(&mut heard);
        let aligned = captions::align(&script, &heard);
        if heard.is_empty() {
            prop_assert!(aligned.is_empty());
            return Ok(());
        }
        let joined: String = aligned.iter().map(|s| s.text.as_str()).collect();
        prop_assert_eq!(letters(&joined), letters(&script), "no text lost");
        for w in aligned.windows(2) {
            prop_assert!(w[0].start_ms <= w[1].start_ms && w[0].end_ms <= w[1].end_ms);
        }
        for s in &aligned {
            prop_assert!(s.end_ms > s.start_ms);
            prop_assert!(s.start_ms >= heard[0].start_ms);
        }
    }
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?} could not run (make test installs ffmpeg): {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn ffmpeg_muxes_the_srt_beside_a_video_and_reads_the_vtt_back() {
    let dir = std::env::temp_dir().join(format!("avatar-captions-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = |name: &str| dir.join(name);
    let mut cues = vec![
        Segment::from_seconds(0.0, 1.25, "Hello & welcome."),
        Segment::from_seconds(1.0, 2.5, "This line overlapped --> the first."),
        Segment::from_seconds(2.5, 2.9991, "<b>Bold</b> last words"),
    ];
    captions::tidy(&mut cues);
    std::fs::write(path("c.srt"), captions::srt(&cues)).unwrap();
    std::fs::write(path("c.vtt"), captions::vtt(&cues, Some("en"))).unwrap();
    let video = path("v.mp4");
    run(Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "color=c=black:s=64x64:d=3",
        ])
        .arg(&video));
    let muxed = path("with-captions.mp4");
    run(Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(&video)
        .arg("-i")
        .arg(path("c.srt"))
        .args(["-c:v", "copy", "-c:s", "mov_text"])
        .arg(&muxed));
    let streams = run(Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_type",
            "-of",
            "csv=p=0",
        ])
        .arg(&muxed));
    assert_eq!(
        streams.split_whitespace().collect::<Vec<_>>(),
        ["video", "subtitle"]
    );
    // The WebVTT file, read by ffmpeg and written as SubRip, has our cues and times.
    let back = run(Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path("c.vtt"))
        .args(["-f", "srt", "-"]));
    assert!(back.contains("00:00:00,000 --> 00:00:01,000"), "{back}");
    assert!(back.contains("00:00:02,500 --> 00:00:02,999"), "{back}");
    assert_eq!(back.matches(" --> ").count(), 3, "{back}");
    assert!(back.contains("Hello & welcome."), "{back}");
    let _ = std::fs::remove_dir_all(Path::new(&dir));
}
