//! Sample inputs the emulator makes itself at startup (and caches): drawn
//! portraits (ffmpeg `geq`), speech spoken by espeak-ng and encoded to mp3,
//! a two-person image with a conversation, a short source video, and
//! reference voices for voice clone.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tokio::process::Command;

use crate::probe::probe;
use crate::speech::timbre_for;

/// Name of the manifest written last: its presence means the set is complete.
const MANIFEST: &str = "samples.json";

/// One sample file, as listed at `GET /samples/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleFile {
    /// File name, served at `/samples/<name>`.
    pub name: String,
    /// `image`, `audio` or `video`.
    pub kind: String,
    /// What it shows or says.
    pub description: String,
    /// Length in seconds (audio and video), for `audio_duration_seconds`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<f64>,
    /// Picture width (image and video).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Picture height (image and video).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}

/// The samples in `dir`, generating them first when they are not there yet.
/// Safe when several processes share `dir`: each generates into its own
/// temporary directory and the first complete one is renamed into place.
pub async fn ensure(dir: &Path) -> Result<Vec<SampleFile>, String> {
    // Emulators in one process (tests) wait for each other instead of all generating.
    static GENERATING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _one_at_a_time = GENERATING.lock().await;
    if let Some(samples) = read_manifest(dir) {
        return Ok(samples);
    }
    let parent = dir.parent().unwrap_or(Path::new("."));
    tokio::fs::create_dir_all(parent)
        .await
        .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(".samples-")
        .tempdir_in(parent)
        .map_err(|e| format!("cannot create a directory in {}: {e}", parent.display()))?;
    let clock = std::time::Instant::now();
    let samples = generate(tmp.path()).await?;
    tracing::info!(
        ms = clock.elapsed().as_millis() as u64,
        dir = %dir.display(),
        "generated the sample media"
    );
    let manifest = serde_json::to_vec_pretty(&samples).map_err(|e| e.to_string())?;
    std::fs::write(tmp.path().join(MANIFEST), manifest).map_err(|e| e.to_string())?;
    let tmp = tmp.keep();
    if std::fs::rename(&tmp, dir).is_err() {
        // Someone else finished first, or an incomplete set is in the way.
        if read_manifest(dir).is_none() {
            let _ = std::fs::remove_dir_all(dir);
            std::fs::rename(&tmp, dir)
                .map_err(|e| format!("cannot move samples to {}: {e}", dir.display()))?;
            return Ok(samples);
        }
        let _ = std::fs::remove_dir_all(&tmp);
    }
    read_manifest(dir).ok_or_else(|| format!("samples in {} are incomplete", dir.display()))
}

/// The samples listed in `dir`'s manifest, when it lists every one of [`CATALOGUE`].
fn read_manifest(dir: &Path) -> Option<Vec<SampleFile>> {
    let bytes = std::fs::read(dir.join(MANIFEST)).ok()?;
    let samples: Vec<SampleFile> = serde_json::from_slice(&bytes).ok()?;
    CATALOGUE
        .iter()
        .all(|(name, _)| samples.iter().any(|s| s.name == *name))
        .then_some(samples)
}

/// A face drawn on a portrait: centre (fraction of width, of height), size
/// (1 = a head-and-shoulders portrait) and colours.
pub(crate) struct Face {
    pub(crate) cx: f64,
    pub(crate) cy: f64,
    pub(crate) size: f64,
    pub(crate) skin: [u8; 3],
    pub(crate) hair: [u8; 3],
    pub(crate) shirt: [u8; 3],
}

/// A shape test in geq's language with the colour it paints.
struct Layer {
    test: String,
    rgb: [u8; 3],
}

/// An ellipse centred at (cx·W, cy·H) with radii given in units of the height.
fn ellipse(cx: f64, cy: f64, rx: f64, ry: f64) -> String {
    format!("lte(pow((X-W*{cx:.4})/(H*{rx:.4}),2)+pow((Y-H*{cy:.4})/(H*{ry:.4}),2),1)")
}

fn face_layers(f: &Face) -> Vec<Layer> {
    let s = f.size;
    let at = |dx: f64, dy: f64| (f.cx + dx, f.cy + dy * s);
    let e = |dx: f64, dy: f64, rx: f64, ry: f64| {
        let (x, y) = at(dx, dy);
        ellipse(x, y, rx * s, ry * s)
    };
    // Horizontal offsets are fractions of the width; keep them proportional to height.
    let dx = 0.06 * s * 0.75;
    let shade = |c: [u8; 3], by: u8| c.map(|v| v.saturating_sub(by));
    let (mx, my) = at(0.0, 0.08);
    vec![
        Layer {
            test: format!(
                "{}+{}",
                e(-dx, -0.03, 0.011, 0.011),
                e(dx, -0.03, 0.011, 0.011)
            ),
            rgb: [25, 25, 35],
        },
        Layer {
            test: format!(
                "{}+{}",
                e(-dx, -0.03, 0.027, 0.017),
                e(dx, -0.03, 0.027, 0.017)
            ),
            rgb: [250, 250, 250],
        },
        Layer {
            test: format!(
                "{}+{}",
                e(-dx, -0.072, 0.03, 0.007),
                e(dx, -0.072, 0.03, 0.007)
            ),
            rgb: shade(f.hair, 10),
        },
        Layer {
            test: format!("{}*gt(Y,H*{my:.4})", ellipse(mx, my, 0.052 * s, 0.03 * s)),
            rgb: [190, 40, 60],
        },
        Layer {
            test: e(0.0, 0.025, 0.014, 0.022),
            rgb: shade(f.skin, 25),
        },
        Layer {
            test: e(0.0, 0.0, 0.16, 0.2),
            rgb: f.skin,
        },
        Layer {
            test: format!(
                "lte(abs(X-W*{:.4}),H*{:.4})*between(Y,H*{:.4},H*{:.4})",
                f.cx,
                0.045 * s,
                f.cy + 0.13 * s,
                f.cy + 0.33 * s
            ),
            rgb: shade(f.skin, 15),
        },
        Layer {
            test: e(0.0, -0.06, 0.19, 0.24),
            rgb: f.hair,
        },
        Layer {
            test: e(0.0, 0.63, 0.315, 0.3),
            rgb: f.shirt,
        },
    ]
}

/// A `geq` filter painting `faces` over a vertical gradient from `top` to `bottom`.
fn portrait_filter(faces: &[Face], top: [u8; 3], bottom: [u8; 3]) -> String {
    let layers: Vec<Layer> = faces.iter().flat_map(face_layers).collect();
    let channel = |c: usize| {
        let background = format!(
            "{}+({})*Y/H",
            top[c],
            i32::from(bottom[c]) - i32::from(top[c])
        );
        layers.iter().rev().fold(background, |rest, layer| {
            format!("if({},{},{rest})", layer.test, layer.rgb[c])
        })
    };
    format!(
        "geq=r='{}':g='{}':b='{}'",
        channel(0),
        channel(1),
        channel(2)
    )
}

async fn run(program: &str, args: &[String]) -> Result<(), String> {
    let out = Command::new(program)
        .args(args)
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{program} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// Draws a portrait at a quarter of its size and scales it up smoothly (geq is slow).
pub(crate) async fn draw(
    out: PathBuf,
    width: u32,
    height: u32,
    faces: Vec<Face>,
    bg: [[u8; 3]; 2],
) -> Result<(), String> {
    let mut args = strings(&["-nostdin", "-y", "-v", "error", "-f", "lavfi", "-i"]);
    args.push(format!("color=c=black:s={}x{}:d=1", width / 4, height / 4));
    args.extend(strings(&["-frames:v", "1", "-vf"]));
    args.push(format!(
        "{},scale={width}:{height}:flags=bicubic",
        portrait_filter(&faces, bg[0], bg[1])
    ));
    args.push(out.display().to_string());
    run("ffmpeg", &args).await
}

/// Speaks `text` with espeak-ng into a wav file.
async fn speak(out: PathBuf, voice: &str, text: &str) -> Result<(), String> {
    speak_at(out, voice, 50, text).await
}

/// Speaks `text` with espeak-ng at base `pitch` (0–99) into a wav file.
async fn speak_at(out: PathBuf, voice: &str, pitch: u64, text: &str) -> Result<(), String> {
    let args = vec![
        "-v".to_owned(),
        voice.to_owned(),
        "-p".to_owned(),
        pitch.to_string(),
        "-s".to_owned(),
        "160".to_owned(),
        "-w".to_owned(),
        out.display().to_string(),
        text.to_owned(),
    ];
    run("espeak-ng", &args).await
}

/// Encodes a wav to mp3.
async fn mp3(wav: PathBuf, out: PathBuf) -> Result<(), String> {
    let mut args = strings(&["-nostdin", "-y", "-v", "error", "-i"]);
    args.push(wav.display().to_string());
    args.extend(strings(&["-c:a", "libmp3lame", "-q:a", "4"]));
    args.push(out.display().to_string());
    run("ffmpeg", &args).await
}

async fn seconds_of(path: &Path) -> Result<f64, String> {
    probe(path)
        .await
        .and_then(|p| p.duration)
        .ok_or_else(|| format!("cannot read the length of {}", path.display()))
}

/// Every sample, with what it is; a cached set without one of them is made again.
const CATALOGUE: [(&str, &str); 14] = [
    ("portrait-1.png", "A drawn portrait, 3:4 (768×1024)."),
    (
        "portrait-2.png",
        "A drawn portrait, nearly square (904×864).",
    ),
    ("speech-1.mp3", "A short speech clip."),
    ("speech-2.mp3", "A longer speech clip."),
    (
        "speech-long.mp3",
        "A speech clip longer than 35 s, to show the Pro cap.",
    ),
    (
        "dual.png",
        "Two people side by side, 16:9 (1280×720), for Dual Avatar.",
    ),
    (
        "conversation-mix.mp3",
        "Both speakers taking turns, for Dual Avatar's audio_mix_url.",
    ),
    (
        "speaker-1.mp3",
        "Speaker 1's track (left), same length as the mix.",
    ),
    (
        "speaker-2.mp3",
        "Speaker 2's track (right), same length as the mix.",
    ),
    (
        "talking.mp4",
        "A short source video, for AI Avatar's input_video_url.",
    ),
    (
        "voice-1.wav",
        "A reference voice for voice clone (its clones sound like it).",
    ),
    ("voice-2.wav", "Another reference voice for voice clone."),
    ("voice-3.wav", "A third reference voice for voice clone."),
    (
        "silence.mp3",
        "Three seconds of silence: its transcription finds no speech.",
    ),
];

const SPEECH_1: &str =
    "Hello! I am a sample portrait made by the avatar emulator. Watch my mouth as I speak.";
const SPEECH_2: &str = "Welcome to Avatar Studio. Paste the link of a portrait and the link of a speech clip, \
    check the price, and press generate. A little later your talking video appears right here, ready to play.";
const SPEECH_LONG: &str = "This is a long speech clip, made to show what happens when the audio runs longer \
    than the thirty five second limit of AI Avatar Pro. When the duration follows the audio, the video is billed \
    for the real length of the speech, but never for more than thirty five seconds, and the video stops there. \
    So take your time, and listen to the rest of this story. Once upon a time, a small robot learned to paint \
    faces. It drew circles for eyes, an oval for the head, and a bright red smile. Every morning it painted a new \
    friend, and every evening the friends told it stories about the day. The end.";
const REFERENCE: &str = "This is my voice. Clone it, and I will read your script.";
const SPEAKER_1: &str = "Hi there! Have you seen the new avatar videos?";
const SPEAKER_2: &str = "I have. They even follow the audio when two people take turns.";

/// Makes every sample in `dir` and describes them.
async fn generate(dir: &Path) -> Result<Vec<SampleFile>, String> {
    let p = |name: &str| dir.join(name);
    let face = |cx, cy, size, skin, hair, shirt| Face {
        cx,
        cy,
        size,
        skin,
        hair,
        shirt,
    };
    let images = async {
        tokio::try_join!(
            draw(
                p("portrait-1.png"),
                768,
                1024,
                vec![face(
                    0.5,
                    0.46,
                    1.0,
                    [235, 190, 160],
                    [70, 45, 25],
                    [40, 90, 150]
                )],
                [[150, 180, 210], [90, 120, 170]],
            ),
            draw(
                p("portrait-2.png"),
                904,
                864,
                vec![face(
                    0.5,
                    0.46,
                    1.0,
                    [150, 105, 75],
                    [25, 20, 20],
                    [170, 60, 50]
                )],
                [[235, 215, 170], [200, 160, 110]],
            ),
            draw(
                p("dual.png"),
                1280,
                720,
                vec![
                    face(
                        0.3,
                        0.47,
                        0.85,
                        [240, 200, 170],
                        [180, 120, 50],
                        [60, 130, 90]
                    ),
                    face(0.7, 0.47, 0.85, [120, 85, 60], [30, 25, 25], [110, 70, 150]),
                ],
                [[200, 220, 235], [150, 170, 200]],
            ),
        )
    };
    let spoken = |name: &'static str, voice: &'static str, text: &'static str| {
        let (wav, mp3_path) = (p(&format!("{name}.wav")), p(&format!("{name}.mp3")));
        async move {
            speak(wav.clone(), voice, text).await?;
            mp3(wav, mp3_path).await
        }
    };
    let voices = async {
        tokio::try_join!(
            spoken("speech-1", "en-us+f3", SPEECH_1),
            spoken("speech-2", "en-gb+m3", SPEECH_2),
            spoken("speech-long", "en-us+m1", SPEECH_LONG),
            speak(p("speaker-1.wav"), "en-us+f2", SPEAKER_1),
            speak(p("speaker-2.wav"), "en-gb+m4", SPEAKER_2),
        )
    };
    // Each reference voice is spoken in the voice its clones get (`crate::speech`).
    let reference = |name: &'static str| {
        let timbre = timbre_for(&format!("/samples/{name}"));
        let out = p(name);
        async move { speak_at(out, &timbre.voice, timbre.pitch, REFERENCE).await }
    };
    let references = async {
        tokio::try_join!(
            reference("voice-1.wav"),
            reference("voice-2.wav"),
            reference("voice-3.wav"),
        )
    };
    tokio::try_join!(images, voices, references)?;
    let first = seconds_of(&p("speaker-1.wav")).await?;
    let second = seconds_of(&p("speaker-2.wav")).await?;
    let gap = 0.3;
    let total = first + gap + second;
    let conversation = async {
        let mut args = strings(&["-nostdin", "-y", "-v", "error", "-i"]);
        args.push(p("speaker-1.wav").display().to_string());
        args.push("-i".into());
        args.push(p("speaker-2.wav").display().to_string());
        args.push("-filter_complex".into());
        let delay = ((first + gap) * 1000.0).round() as u64;
        args.push(format!(
            "[0:a]apad=whole_dur={total:.3},asplit[s1][m1];\
             [1:a]adelay=delays={delay}:all=1,apad=whole_dur={total:.3},asplit[s2][m2];\
             [m1][m2]amix=inputs=2:normalize=0[m]"
        ));
        for (label, name) in [
            ("[s1]", "speaker-1.mp3"),
            ("[s2]", "speaker-2.mp3"),
            ("[m]", "conversation-mix.mp3"),
        ] {
            args.extend(strings(&["-map", label, "-t"]));
            args.push(format!("{total:.3}"));
            args.extend(strings(&["-c:a", "libmp3lame", "-q:a", "4"]));
            args.push(p(name).display().to_string());
        }
        run("ffmpeg", &args).await
    };
    let talking = async {
        let seconds = seconds_of(&p("speech-1.wav")).await?;
        let mut args = strings(&["-nostdin", "-y", "-v", "error", "-i"]);
        args.push(p("portrait-1.png").display().to_string());
        args.push("-i".into());
        args.push(p("speech-1.wav").display().to_string());
        args.extend(strings(&[
            "-vf",
            "scale=528:704,format=yuv420p,loop=loop=-1:size=1,settb=1/25,setpts=N,\
             crop=480:640:'24+20*sin(2*PI*t/3)':'32+12*sin(2*PI*t/2)'",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "-movflags",
            "+faststart",
            "-t",
        ]));
        args.push(format!("{seconds:.3}"));
        args.push(p("talking.mp4").display().to_string());
        run("ffmpeg", &args).await
    };
    let silence = async {
        let mut args = strings(&[
            "-nostdin",
            "-y",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "anullsrc=r=22050:cl=mono",
            "-t",
            "3",
            "-c:a",
            "libmp3lame",
            "-q:a",
            "4",
        ]);
        args.push(p("silence.mp3").display().to_string());
        run("ffmpeg", &args).await
    };
    tokio::try_join!(conversation, talking, silence)?;
    for wav in [
        "speech-1",
        "speech-2",
        "speech-long",
        "speaker-1",
        "speaker-2",
    ] {
        let _ = std::fs::remove_file(p(&format!("{wav}.wav")));
    }
    let catalogue = CATALOGUE;
    let probes: Vec<_> = catalogue
        .iter()
        .map(|(name, _)| {
            let path = p(name);
            tokio::spawn(async move { probe(&path).await })
        })
        .collect();
    let mut samples = Vec::new();
    for ((name, description), probed) in catalogue.into_iter().zip(probes) {
        let found = probed
            .await
            .ok()
            .flatten()
            .ok_or_else(|| format!("sample {name} was not made"))?;
        let has_picture = found.width > 0;
        samples.push(SampleFile {
            name: name.to_owned(),
            kind: format!("{:?}", found.kind).to_lowercase(),
            description: description.to_owned(),
            duration_seconds: found.duration.map(|d| (d * 1000.0).round() / 1000.0),
            width: has_picture.then_some(found.width),
            height: has_picture.then_some(found.height),
        });
    }
    Ok(samples)
}

/// The path of sample `name` in `dir`, when `name` is one of `samples`.
pub fn path_of(dir: &Path, samples: &[SampleFile], name: &str) -> Option<PathBuf> {
    samples
        .iter()
        .any(|s| s.name == name)
        .then(|| dir.join(name))
}
