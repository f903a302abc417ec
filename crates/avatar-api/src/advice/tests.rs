use super::*;

/// Advice for a `long_edge` px, `duration` s video (both allowed ones) and
/// `seconds` of speech.
fn fit(long_edge: u32, duration: u32, seconds: f64) -> Option<Advice> {
    let resolution = Resolution::from_long_edge(long_edge).expect("an allowed resolution");
    let duration = Duration::from_wire(duration).expect("an allowed duration");
    duration_fit(resolution, duration, Some(seconds))
}

fn message(advice: Option<Advice>) -> String {
    advice.expect("advice").message
}

#[test]
fn a_longer_speech_is_cut_off() {
    let advice = fit(1280, 10, 14.2).unwrap();
    assert_eq!(
        advice.message,
        "The speech is 14.2 s long: the video stops at 10 s and cuts it off. Choose “Follow audio” to keep all of it."
    );
    assert_eq!(advice.fix, Some(Fix::FollowAudio));
    assert!(advice.is(Field::Duration));
    // One millisecond over is over.
    assert!(message(fit(1280, 10, 10.001)).starts_with("The speech is 10.001 s long"));
}

#[test]
fn a_speech_beyond_the_longest_video_is_cut_off_either_way() {
    assert_eq!(
        message(fit(1280, 10, 41.2)),
        "The speech is 41.2 s long: the video stops at 10 s and cuts it off. Choose “Follow audio” to keep its first 35 s (35 s is the longest video AI Avatar Pro makes), or shorten the speech."
    );
    let longest = fit(1280, 35, 41.2).unwrap();
    assert_eq!(
        longest.message,
        "The speech is 41.2 s long: the video stops at 35 s and cuts it off. 35 s is the longest video AI Avatar Pro makes: shorten the speech to keep all of it."
    );
    assert_eq!(longest.fix, None);
}

#[test]
fn a_shorter_speech_pays_for_silence() {
    // 20 credits for 10 s at 1280 px; following 6.2 s costs ceil(12.4) = 13.
    let advice = fit(1280, 10, 6.2).unwrap();
    assert_eq!(
        advice.message,
        "The speech is 6.2 s long: the video lasts 10 s, so you pay 7 credits for 3.8 s of silence. Choose “Follow audio” to end the video with the speech."
    );
    assert_eq!(advice.fix, Some(Fix::FollowAudio));
    assert!(message(fit(1536, 35, 5.0)).contains("you pay 75 credits for 30 s of silence"));
}

#[test]
fn silence_within_the_tolerance_gets_no_advice() {
    assert_eq!(fit(1280, 10, 10.0), None);
    assert_eq!(fit(1280, 10, 10.0004), None); // 10 000 ms, as billed
    assert_eq!(fit(1280, 10, 9.5), None); // exactly the tolerance
    assert!(message(fit(1280, 10, 9.499)).contains("you pay 1 credit for 0.501 s of silence"));
}

#[test]
fn silence_that_costs_nothing_after_rounding_is_still_named() {
    // 1.5 credits/s: 15 credits either way (14.2485 rounds up to 15).
    assert_eq!(
        message(fit(720, 10, 9.499)),
        "The speech is 9.499 s long: the video lasts 10 s, so its last 0.501 s are silence. Choose “Follow audio” to end the video with the speech."
    );
}

#[test]
fn no_advice_without_a_fixed_duration_or_a_known_length() {
    // An unknown duration or resolution (validation reports it) can't be asked about.
    let follow = Duration::FOLLOW_AUDIO;
    assert_eq!(duration_fit(Resolution::Edge1280, follow, Some(14.2)), None);
    assert_eq!(
        duration_fit(Resolution::Edge1280, Duration::default(), None),
        None
    );
    for unknown in [
        0.0,
        -0.0,
        -3.0,
        0.0004,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ] {
        assert_eq!(fit(1280, 10, unknown), None, "{unknown}");
    }
}

#[test]
fn a_small_portrait_is_upscaled() {
    let advice = portrait_size(Field::ImageUrl.name(), 1280, 512, 512).unwrap();
    assert_eq!(
        advice.message,
        "The portrait is 512×512 px; the video is 1280 px on its long edge, so the picture will be upscaled and may look soft."
    );
    assert!(advice.is(Field::ImageUrl));
    assert_eq!(advice.fix, None);
    assert!(portrait_size("dual_image_url", 1536, 1535, 900).is_some());
}

#[test]
fn a_portrait_as_large_as_the_video_or_of_unknown_size_gets_no_advice() {
    assert_eq!(portrait_size("image_url", 1280, 1280, 720), None);
    assert_eq!(portrait_size("image_url", 1280, 720, 1280), None);
    assert_eq!(portrait_size("image_url", 720, 2048, 2048), None);
    assert_eq!(portrait_size("image_url", 1280, 0, 0), None);
    assert_eq!(portrait_size("image_url", 1280, 512, 0), None);
    assert_eq!(portrait_size("image_url", 0, 512, 512), None);
}

fn link(url: &str) -> Option<String> {
    match share_page("audio_url", url)?.fix {
        Some(Fix::UseLink(direct)) => Some(direct),
        _ => None,
    }
}

fn advised(url: &str) -> bool {
    share_page("audio_url", url).is_some()
}

const DRIVE: &str = "https://drive.google.com/uc?export=download&id=1AbC-_x9";

#[test]
fn google_drive_pages_get_the_download_link() {
    for page in [
        "https://drive.google.com/file/d/1AbC-_x9/view?usp=sharing",
        "https://drive.google.com/file/d/1AbC-_x9/view",
        "https://drive.google.com/file/d/1AbC-_x9",
        "HTTPS://Drive.Google.COM/file/d/1AbC-_x9/view#top",
        "https://drive.google.com/file/u/0/d/1AbC-_x9/view",
        "https://drive.google.com/open?id=1AbC-_x9",
        "https://docs.google.com/file/d/1AbC-_x9/edit",
        "drive.google.com/file/d/1AbC-_x9/view",
        " https://www.drive.google.com/file/d/1AbC-_x9/view ",
    ] {
        assert_eq!(link(page).as_deref(), Some(DRIVE), "{page}");
    }
    let advice = share_page("image_url", "https://drive.google.com/file/d/1AbC-_x9/view").unwrap();
    assert_eq!(
        advice.message,
        "This is a Google Drive page, not the file itself, so the API cannot download it. Use the direct link (the file must be shared with “Anyone with the link”)."
    );
    assert!(advice.is(Field::ImageUrl));
    assert_eq!(Fix::UseLink(DRIVE.into()).label(), "Use the direct link");
}

#[test]
fn other_google_pages_are_named_without_a_link() {
    for page in [
        "https://drive.google.com/drive/folders/xyz",
        "https://drive.google.com/",
        "https://drive.google.com/file/d/bad%20id/view",
        "https://docs.google.com/document/d/xyz/edit",
    ] {
        assert!(advised(page), "{page}");
        assert_eq!(link(page), None, "{page}");
    }
    assert!(
        message(share_page(
            "audio_url",
            "https://docs.google.com/document/d/x"
        ))
        .contains("Google Docs")
    );
    // Download links already are files.
    assert!(!advised(DRIVE));
    assert!(!advised("https://docs.google.com/uc?id=1AbC"));
    assert!(!advised(
        "https://drive.usercontent.google.com/download?id=1AbC"
    ));
}

#[test]
fn dropbox_pages_get_the_same_link_with_dl_1() {
    let cases = [
        (
            "https://www.dropbox.com/s/abc123/voice.mp3?dl=0",
            "https://www.dropbox.com/s/abc123/voice.mp3?dl=1",
        ),
        (
            "https://dropbox.com/s/abc123/voice.mp3",
            "https://www.dropbox.com/s/abc123/voice.mp3?dl=1",
        ),
        (
            "https://www.dropbox.com/scl/fi/k3y/face.png?rlkey=r1&dl=0",
            "https://www.dropbox.com/scl/fi/k3y/face.png?rlkey=r1&dl=1",
        ),
        (
            "https://user@WWW.DROPBOX.COM:443/scl/fi/k3y/face.png?DL=0&rlkey=r1&e=2#x",
            "https://www.dropbox.com/scl/fi/k3y/face.png?rlkey=r1&e=2&dl=1",
        ),
    ];
    for (page, direct) in cases {
        assert_eq!(link(page).as_deref(), Some(direct), "{page}");
    }
    // Found by the property test: a space pasted into the query would be copied.
    let spaced = "https://www.dropbox.com/s/abc123/voice.mp3?id=a b";
    assert!(advised(spaced));
    assert_eq!(link(spaced), None);
    assert!(!advised("https://www.dropbox.com/s/abc123/voice.mp3?dl=1"));
    assert!(!advised(
        "https://www.dropbox.com/scl/fi/k3y/face.png?rlkey=r1&raw=1"
    ));
    assert!(!advised(
        "https://dl.dropboxusercontent.com/s/abc123/voice.mp3"
    ));
}

#[test]
fn dropbox_folders_and_pages_are_named_without_a_link() {
    for page in [
        "https://www.dropbox.com/sh/abc/xyz?dl=0",
        "https://www.dropbox.com/scl/fo/abc/xyz?rlkey=r",
        "https://www.dropbox.com/home/Photos",
        "https://www.dropbox.com/s/",
    ] {
        assert!(advised(page), "{page}");
        assert_eq!(link(page), None, "{page}");
    }
    assert!(message(share_page("audio_url", "https://www.dropbox.com/sh/a/b")).contains("folder"));
}

#[test]
fn onedrive_and_wetransfer_pages_say_what_to_do() {
    for page in [
        "https://1drv.ms/u/s!AbC",
        "https://onedrive.live.com/?cid=1&id=2",
        "https://onedrive.live.com/redir?resid=2",
    ] {
        let advice = share_page("audio_url", page).unwrap();
        assert!(advice.message.contains("Embed or Download"), "{page}");
        assert_eq!(advice.fix, None);
    }
    assert!(!advised("https://onedrive.live.com/download?cid=1&resid=2"));
    for page in [
        "https://we.tl/t-abc",
        "https://wetransfer.com/downloads/abc/def?x=1",
    ] {
        assert!(
            message(share_page("image_url", page)).contains("expires"),
            "{page}"
        );
    }
}

#[test]
fn look_alikes_and_other_urls_get_no_advice() {
    for url in [
        "https://notdropbox.com/s/abc/x.mp3",
        "https://www.notdropbox.com/s/abc/x.mp3",
        "https://dropbox.com.evil.example/s/abc/x.mp3",
        "https://evil.example/dropbox.com/s/abc/x.mp3",
        "https://evil.example/?u=https://drive.google.com/file/d/1AbC/view",
        "https://mydrive.google.com.example/file/d/1AbC/view",
        "https://notwe.tl/t-abc",
        "https://download.wetransfer.com/eu2/abc/file.mp3",
        "ftp://www.dropbox.com/s/abc/x.mp3",
        "https://cdn.example/portrait.png",
        "https://",
        "",
        "   ",
    ] {
        assert_eq!(share_page("audio_url", url), None, "{url}");
    }
}
